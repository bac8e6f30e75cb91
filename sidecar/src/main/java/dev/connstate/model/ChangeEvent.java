package dev.connstate.model;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One change event as the change script publishes it on the Redis channel and the sidecar
 * republishes it on {@code connstate.events}:
 * {@code {"type","handle","version","changes","origin","at"}} (DESIGN §2).
 *
 * @param json the event exactly as received, republished unchanged
 */
public record ChangeEvent(EventType type, long handle, long version, JsonObject changes, String origin, long at,
                          JsonObject json) {

  /** Parses an event; throws {@link IllegalArgumentException} naming what is wrong. */
  public static ChangeEvent parse(String payload) {
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
    }
    try {
      return new ChangeEvent(
          EventType.fromWire(json.getString("type")),
          json.getLong(Fields.HANDLE),
          json.getLong(Fields.VERSION),
          json.getJsonObject("changes", new JsonObject()),
          json.getString("origin"),
          json.getLong("at"),
          json);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("missing or mistyped member: " + payload);
    }
  }

  /** The change as hash fields (metadata keys as {@code meta:K}). */
  public FieldChange fieldChange() {
    return FieldChange.fromEventChanges(changes);
  }

  /** For a {@code registered} event: the connection it created. */
  public ConnectionRecord createdConnection() {
    Map<String, String> hash = new HashMap<>();
    fieldChange().fields().forEach((field, value) -> {
      if (value != null) {
        hash.put(field, value);
      }
    });
    hash.put(Fields.HANDLE, Long.toString(handle));
    hash.put(Fields.VERSION, Long.toString(version));
    hash.put(Fields.LAST_SEEN, Long.toString(at));
    return ConnectionRecord.fromHash(handle, hash);
  }
}
