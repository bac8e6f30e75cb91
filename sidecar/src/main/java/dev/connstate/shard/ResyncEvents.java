package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.EventType;
import dev.connstate.model.Fields;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Builds the change events a sidecar publishes for changes its subscribers missed while its
 * subscription was down: one event per handle, carrying the difference between what they were
 * shown and what Redis holds, with Redis's current version, in the format of DESIGN §2 plus {@code "resync": true}.
 * Subscribers see a version jump, which DESIGN tells them to answer with a re-read.
 */
final class ResyncEvents {
  private static final Set<String> NOT_CHANGES = Set.of(Fields.HANDLE, Fields.VERSION, Fields.LAST_SEEN,
      Fields.METADATA);

  private ResyncEvents() {
  }

  /** The connection appeared: every field, as a {@code registered} event carries them. */
  static JsonObject registered(ConnectionRecord now, String origin) {
    return event(EventType.REGISTERED, now.handle(), now.version(), diff(null, now), origin, now.lastSeen());
  }

  /** The connection changed: bound, unbound or updated, by what happened to its state. */
  static JsonObject changed(ConnectionRecord before, ConnectionRecord now, String origin) {
    EventType type = before.state() == now.state() ? EventType.UPDATED
        : now.state() == ConnectionState.LOGGED_IN ? EventType.BOUND : EventType.UNBOUND;
    return event(type, now.handle(), now.version(), diff(before, now), origin, now.lastSeen());
  }

  /**
   * The connection changed in ways not known one by one: an {@code updated} event carrying the
   * whole connection (an unbound one with {@code "playerRef": null}).
   */
  static JsonObject snapshot(ConnectionRecord now, String origin) {
    JsonObject changes = diff(null, now);
    if (!changes.containsKey(Fields.PLAYER_REF)) {
      changes.putNull(Fields.PLAYER_REF);
    }
    return event(EventType.UPDATED, now.handle(), now.version(), changes, origin, now.lastSeen());
  }

  /**
   * The connection is gone; the version that removed it is unknown here, so the one after
   * {@code lastVersion}, the last version the subscribers were shown.
   */
  static JsonObject disconnected(long handle, long lastVersion, String origin, long at) {
    return event(EventType.DISCONNECTED, handle, lastVersion + 1, new JsonObject(), origin, at);
  }

  private static JsonObject event(EventType type, long handle, long version, JsonObject changes, String origin,
                                  long at) {
    return new JsonObject().put("type", type.wire()).put(Fields.HANDLE, handle).put(Fields.VERSION, version)
        .put("changes", changes).put("origin", origin).put("at", at).put("resync", true);
  }

  private static JsonObject diff(ConnectionRecord before, ConnectionRecord now) {
    JsonObject old = before == null ? new JsonObject() : before.toJson();
    JsonObject current = now.toJson();
    JsonObject changes = new JsonObject();
    for (String field : union(old, current)) {
      if (!NOT_CHANGES.contains(field) && !java.util.Objects.equals(old.getValue(field), current.getValue(field))) {
        changes.put(field, current.getValue(field));
      }
    }
    JsonObject oldMeta = old.getJsonObject(Fields.METADATA, new JsonObject());
    JsonObject newMeta = current.getJsonObject(Fields.METADATA);
    JsonObject metadata = new JsonObject();
    for (String key : union(oldMeta, newMeta)) {
      if (!java.util.Objects.equals(oldMeta.getValue(key), newMeta.getValue(key))) {
        metadata.put(key, newMeta.getValue(key));
      }
    }
    if (!metadata.isEmpty()) {
      changes.put(Fields.METADATA, metadata);
    }
    return changes;
  }

  private static Set<String> union(JsonObject a, JsonObject b) {
    Set<String> keys = new java.util.TreeSet<>(a.fieldNames());
    keys.addAll(b.fieldNames());
    return keys;
  }
}
