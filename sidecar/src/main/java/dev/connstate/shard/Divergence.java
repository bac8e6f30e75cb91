package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.Fields;
import dev.connstate.ops.MetricNames;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * How a sidecar's copy of one connection can differ from what Redis holds, as the convergence
 * audit (DESIGN §7) tells them apart, each with its metric label.
 */
public enum Divergence {
  /** Redis holds the connection; this sidecar does not. */
  MISSING_HERE(MetricNames.AUDIT_MISSING_HERE, "Redis holds a connection this sidecar did not"),
  /** This sidecar holds the connection; Redis does not. */
  MISSING_IN_REDIS(MetricNames.AUDIT_MISSING_IN_REDIS, "this sidecar held a connection Redis does not"),
  /** Both hold it, with different fields (metadata included, version too). */
  FIELD_DIFFERS(MetricNames.AUDIT_FIELD_DIFFERS, "this sidecar held a connection with other fields than Redis");

  private final String label;
  private final String description;

  Divergence(String label, String description) {
    this.label = label;
    this.description = description;
  }

  /** The value of the {@code kind} label of {@code connstate_audit_divergences_total}. */
  public String label() {
    return label;
  }

  /** What was found, for a person reading the log. */
  public String description() {
    return description;
  }

  /**
   * The fields in which two copies of a connection differ, by their hash names ({@code state},
   * {@code meta:WIDTH}, {@code version} …), the fixed ones first, each part in name order; empty
   * if none. Every field counts: memory folds each stored change exactly as Redis applied it
   * ({@code lastSeen} the later of two times, as the change script keeps it), so a quiet copy
   * equals Redis's field for field.
   */
  static List<String> fieldsDiffering(ConnectionRecord here, ConnectionRecord redis) {
    JsonObject a = here.toJson();
    JsonObject b = redis.toJson();
    List<String> out = new ArrayList<>();
    for (String field : union(a, b)) {
      if (!field.equals(Fields.METADATA) && !Objects.equals(a.getValue(field), b.getValue(field))) {
        out.add(field);
      }
    }
    JsonObject metaA = a.getJsonObject(Fields.METADATA);
    JsonObject metaB = b.getJsonObject(Fields.METADATA);
    for (String key : union(metaA, metaB)) {
      if (!Objects.equals(metaA.getValue(key), metaB.getValue(key))) {
        out.add(Fields.meta(key));
      }
    }
    return out;
  }

  private static TreeSet<String> union(JsonObject a, JsonObject b) {
    TreeSet<String> names = new TreeSet<>(a.fieldNames());
    names.addAll(b.fieldNames());
    return names;
  }
}
