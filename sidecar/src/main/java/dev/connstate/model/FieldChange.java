package dev.connstate.model;

import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One change to a connection, as hash fields: each entry sets a field, or removes it when its
 * value is null. Metadata key {@code K} is field {@code meta:K}. Merging two changes keeps the
 * last value per field, a removal included; this is how the write-behind queue coalesces.
 */
public final class FieldChange {
  private final LinkedHashMap<String, String> fields;

  private FieldChange(LinkedHashMap<String, String> fields) {
    this.fields = fields;
  }

  /** An empty change. */
  public static FieldChange empty() {
    return new FieldChange(new LinkedHashMap<>(4));
  }

  /** A change of metadata keys (null values remove the key). */
  public static FieldChange ofMetadata(Map<String, String> metadata) {
    FieldChange change = new FieldChange(new LinkedHashMap<>(metadata.size() * 2));
    metadata.forEach(change::metadata);
    return change;
  }

  /**
   * The change an event describes: top-level members are fields, members of
   * {@code metadata} are metadata keys, and JSON null removes.
   */
  public static FieldChange fromEventChanges(JsonObject changes) {
    FieldChange change = empty();
    for (Map.Entry<String, Object> e : changes) {
      if (Fields.METADATA.equals(e.getKey()) && e.getValue() instanceof JsonObject meta) {
        for (Map.Entry<String, Object> m : meta) {
          change.metadata(m.getKey(), m.getValue() == null ? null : m.getValue().toString());
        }
      } else {
        change.field(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
      }
    }
    return change;
  }

  /** Sets (or, with null, removes) a field. */
  public FieldChange field(String name, String value) {
    fields.put(name, value);
    return this;
  }

  /** Sets (or, with null, removes) a metadata key. */
  public FieldChange metadata(String key, String value) {
    fields.put(Fields.meta(key), value);
    return this;
  }

  /** Adds {@code later} on top of this change: its values win. */
  public void merge(FieldChange later) {
    later.fields.forEach((k, v) -> {
      fields.remove(k);
      fields.put(k, v);
    });
  }

  /** The fields in the order they were last set; null values are removals. */
  public Map<String, String> fields() {
    return Collections.unmodifiableMap(fields);
  }

  public boolean isEmpty() {
    return fields.isEmpty();
  }

  @Override
  public String toString() {
    return fields.toString();
  }
}
