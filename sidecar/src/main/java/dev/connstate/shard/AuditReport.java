package dev.connstate.shard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of the convergence audit (DESIGN §7) found, on one shard or summed over all:
 * how many connections it compared with Redis, how many of them differed (each repaired from
 * Redis), by {@link Divergence}, how many it left out because they changed while compared, a
 * few examples, and the failure that cut the run short, if any. Immutable.
 *
 * @param compared connections whose copy here was compared with Redis's to the end
 * @param divergences of those, how many differed, by kind (every kind present, 0 if none)
 * @param leftOut sampled connections left out: a change of their own or an event arrived while
 *     they were compared, or Redis held a record the audit cannot judge (malformed, too large)
 * @param examples up to {@link #EXAMPLES_PER_KIND} divergences of each kind
 * @param failure why part of the run could not be done (Redis could not be read), or null;
 *     the counts still hold what was done
 */
public record AuditReport(int compared, Map<Divergence, Integer> divergences, int leftOut, List<Example> examples,
                          Throwable failure) {
  /** How many examples of each kind a report keeps. */
  public static final int EXAMPLES_PER_KIND = 3;
  /** A report of nothing done. */
  public static final AuditReport EMPTY = new AuditReport(0, Map.of(), 0, List.of(), null);

  public AuditReport {
    Map<Divergence, Integer> all = new EnumMap<>(Divergence.class);
    for (Divergence kind : Divergence.values()) {
      all.put(kind, divergences.getOrDefault(kind, 0));
    }
    divergences = Collections.unmodifiableMap(all);
    examples = List.copyOf(examples);
  }

  /**
   * One connection found to differ.
   *
   * @param detail what differed, for the log: the fields, and the versions here and in Redis
   */
  public record Example(Divergence kind, long handle, String detail) {
  }

  /** Connections that differed from Redis, of every kind. */
  public int divergent() {
    return divergences.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Connections of this kind that differed from Redis. */
  public int divergent(Divergence kind) {
    return divergences.get(kind);
  }

  /** The share of the connections compared that differed: 0 to 1, and 0 when none was compared. */
  public double ratio() {
    return compared == 0 ? 0 : (double) divergent() / compared;
  }

  /** True if the whole run was done. */
  public boolean complete() {
    return failure == null;
  }

  /** This report and {@code other} added up (the first failure kept, the examples capped per kind). */
  public AuditReport plus(AuditReport other) {
    Map<Divergence, Integer> sum = new EnumMap<>(Divergence.class);
    for (Divergence kind : Divergence.values()) {
      sum.put(kind, divergent(kind) + other.divergent(kind));
    }
    List<Example> both = new ArrayList<>(examples);
    for (Example example : other.examples) {
      if (both.stream().filter(e -> e.kind() == example.kind()).count() < EXAMPLES_PER_KIND) {
        both.add(example);
      }
    }
    return new AuditReport(compared + other.compared, sum, leftOut + other.leftOut, both,
        failure != null ? failure : other.failure);
  }
}
