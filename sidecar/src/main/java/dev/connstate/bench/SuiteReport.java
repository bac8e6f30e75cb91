package dev.connstate.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoublePredicate;

/**
 * The results of every repetition of the suite, their medians, the ratios hash/legacy and
 * sidecar/redis-benchmark, and the goals of docs/BENCHMARKS.md held against the medians. Each
 * result is a JSON object; its numeric leaves ({@code latencyMs.p99}, {@code coresUsed.redis} …)
 * are what the medians are taken of.
 */
final class SuiteReport {
  static final String HOT_HASH = "hot/hash/closed";
  static final String HOT_HASH_OPEN = "hot/hash/open";
  static final String CHURN_HASH = "churn/hash/closed";
  static final String CHURN_HASH_OPEN = "churn/hash/open";
  static final String HOT_LEGACY = "hot/legacy/closed";
  static final String CHURN_LEGACY = "churn/legacy/closed";
  static final String CEILING_PIPELINED = "redis-benchmark/P16";
  static final String CEILING_SINGLE = "redis-benchmark/P1";
  static final String STARTUP = "startup";
  static final List<String> LOAD_RUNS = List.of(HOT_HASH, HOT_HASH_OPEN, CHURN_HASH, CHURN_HASH_OPEN, HOT_LEGACY,
      CHURN_LEGACY);
  static final List<String> ALL = List.of(HOT_HASH, HOT_HASH_OPEN, CHURN_HASH, CHURN_HASH_OPEN, HOT_LEGACY,
      CHURN_LEGACY, CEILING_PIPELINED, CEILING_SINGLE, STARTUP);

  private final JsonObject setup;
  private final Map<String, List<JsonObject>> results = new LinkedHashMap<>();

  /** @param setup the machine, the command and the settings, reported as they are */
  SuiteReport(JsonObject setup) {
    this.setup = setup;
    ALL.forEach(key -> results.put(key, new ArrayList<>()));
  }

  void add(String key, JsonObject result) {
    results.get(key).add(result);
  }

  /** The median of a numeric leaf over the repetitions, or NaN when no repetition has it. */
  double median(String key, String path) {
    List<Double> values = new ArrayList<>();
    for (JsonObject result : results.get(key)) {
      Double value = leaf(result, path);
      if (value != null) {
        values.add(value);
      }
    }
    if (values.isEmpty()) {
      return Double.NaN;
    }
    values.sort(Double::compare);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }

  private static Double leaf(JsonObject object, String path) {
    Object value = object;
    for (String part : path.split("\\.")) {
      if (!(value instanceof JsonObject o)) {
        return null;
      }
      value = o.getValue(part);
    }
    return value instanceof Number number ? number.doubleValue() : null;
  }

  private static Map<String, Double> leaves(JsonObject object, String prefix, Map<String, Double> into) {
    object.forEach(entry -> {
      if (entry.getValue() instanceof Number number) {
        into.put(prefix + entry.getKey(), number.doubleValue());
      } else if (entry.getValue() instanceof JsonObject nested) {
        leaves(nested, prefix + entry.getKey() + ".", into);
      }
    });
    return into;
  }

  /** Measured over target: hash/legacy and sidecar/redis-benchmark. */
  Map<String, Double> ratios() {
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("hot: hash / legacy (requests/s, closed loop)", hotHashOverLegacy());
    ratios.put("churn: hash / legacy (requests/s, closed loop)",
        median(CHURN_HASH, "requestsPerSecond") / median(CHURN_LEGACY, "requestsPerSecond"));
    ratios.put("hot: sidecar / redis-benchmark HSET -P 16",
        median(HOT_HASH, "requestsPerSecond") / median(CEILING_PIPELINED, "requestsPerSecond"));
    ratios.put("hot: sidecar / redis-benchmark HSET -P 1",
        median(HOT_HASH, "requestsPerSecond") / median(CEILING_SINGLE, "requestsPerSecond"));
    ratios.put("hot, bytes to Redis per request: hash / legacy",
        median(HOT_HASH_OPEN, "redisBytesPerRequest") / median(HOT_LEGACY, "redisBytesPerRequest"));
    return ratios;
  }

  private double hotHashOverLegacy() {
    return median(HOT_HASH, "requestsPerSecond") / median(HOT_LEGACY, "requestsPerSecond");
  }

  /** One goal of the issue, held against a median. */
  record Goal(String name, String target, double measured, String unit, boolean met) {
  }

  /** The goals of issue 15 (docs/BENCHMARKS.md, "The goals"), each held against a median. */
  List<Goal> goals() {
    return List.of(
        goal("hot path, closed loop", "≥ 100,000/s", median(HOT_HASH, "requestsPerSecond"), "/s",
            v -> v >= 100_000),
        goal("hot path p99 at the offered rate (20,000/s)", "≤ 2 ms", median(HOT_HASH_OPEN, "latencyMs.p99"), "ms",
            v -> v <= 2),
        goal("churn p99 at the offered rate (5,000 critical/s)", "≤ 2 ms", median(CHURN_HASH_OPEN, "latencyMs.p99"),
            "ms", v -> v <= 2),
        goal("critical operations, closed loop", "≥ 40,000/s", median(CHURN_HASH, "criticalPerSecond"), "/s",
            v -> v >= 40_000),
        goal("startup load of the connections", "≤ 500 ms", median(STARTUP, "loadMs"), "ms", v -> v <= 500),
        goal("startup: ready after the process started", "≤ 1,000 ms", median(STARTUP, "readyMs"), "ms",
            v -> v <= 1_000),
        goal("bytes to Redis per request, open loop (the lone-change goal; changes of several handles share calls)",
            "≤ 100 B",
            median(HOT_HASH_OPEN, "redisBytesPerRequest"), "B", v -> v <= 100),
        goal("bytes to Redis per hot-path request under load (closed loop)", "≤ 64 B",
            median(HOT_HASH, "redisBytesPerRequest"), "B", v -> v <= 64),
        goal("heap per connection", "≤ 512 B", median(STARTUP, "heapPerConnectionBytes"), "B", v -> v <= 512),
        goal("allocation per hot-path request (closed loop)", "≤ 2,048 B",
            median(HOT_HASH, "allocatedBytesPerRequest"), "B", v -> v <= 2_048),
        goal("hot path, hash / legacy under contention", "≥ 15×", hotHashOverLegacy(), "×", v -> v >= 15));
  }

  private static Goal goal(String name, String target, double measured, String unit, DoublePredicate met) {
    return new Goal(name, target, measured, unit, !Double.isNaN(measured) && met.test(measured));
  }

  JsonObject toJson() {
    JsonObject runs = new JsonObject();
    JsonObject medians = new JsonObject();
    results.forEach((key, list) -> {
      runs.put(key, new JsonArray(new ArrayList<>(list)));
      Map<String, Double> paths = new LinkedHashMap<>();
      list.forEach(r -> leaves(r, "", paths));
      JsonObject m = new JsonObject();
      paths.keySet().forEach(path -> m.put(path, median(key, path)));
      medians.put(key, m);
    });
    JsonObject ratios = new JsonObject();
    ratios().forEach(ratios::put);
    JsonArray goals = new JsonArray();
    goals().forEach(g -> goals.add(new JsonObject().put("goal", g.name()).put("target", g.target())
        .put("measured", g.measured()).put("unit", g.unit()).put("met", g.met())));
    return new JsonObject().put("setup", setup).put("medians", medians).put("ratios", ratios).put("goals", goals)
        .put("runs", runs);
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    int reps = results.get(HOT_HASH).size();
    md.append(String.format(Locale.ROOT, "Medians of %d repetition%s.%n%n", reps, reps == 1 ? "" : "s"));
    md.append("| scenario | store | load | requests/s | critical/s | p50 ms | p99 ms | p99.9 ms | max ms "
        + "| bytes to Redis / req | Redis cmds / req | cores: sidecar / redis / load | sidecar alloc B / req "
        + "| sidecar GC pauses: mean ms / % of time | failed |\n");
    md.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (String key : LOAD_RUNS) {
      List<JsonObject> list = results.get(key);
      if (list.isEmpty()) {
        continue;
      }
      String[] parts = key.split("/");
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %,.0f | %s | %.3f | %.3f | %.3f | %.3f | %s | %s "
              + "| %s / %s / %s | %s | %s / %s | %,.0f |%n", parts[0], parts[1], list.get(0).getString("mode"),
          median(key, "requestsPerSecond"), critical(key), median(key, "latencyMs.p50"),
          median(key, "latencyMs.p99"), median(key, "latencyMs.p999"), median(key, "latencyMs.max"),
          fixed(median(key, "redisBytesPerRequest"), 1), fixed(median(key, "redisCommandsPerRequest"), 2),
          fixed(median(key, "coresUsed.sidecar"), 2), fixed(median(key, "coresUsed.redis"), 2),
          fixed(median(key, "coresUsed.load"), 2), fixed(median(key, "allocatedBytesPerRequest"), 0),
          fixed(median(key, "gcPauses.meanMs"), 2), fixed(100 * median(key, "gcPauses.shareOfTime"), 2),
          median(key, "failed")));
    }
    for (String key : List.of(CEILING_PIPELINED, CEILING_SINGLE)) {
      if (!results.get(key).isEmpty()) {
        JsonObject first = results.get(key).get(0);
        md.append(String.format(Locale.ROOT, "| redis-benchmark HSET | — | 50 clients, pipeline %d | %s | | | | | "
            + "| | | | | | |%n", first.getInteger("pipeline"), first.containsKey("error") ? first.getString("error")
            : String.format(Locale.ROOT, "%,.0f", median(key, "requestsPerSecond"))));
      }
    }
    if (!results.get(STARTUP).isEmpty()) {
      md.append(String.format(Locale.ROOT, "%nStartup with %,.0f connections: load %.0f ms (the sidecar's "
              + "`connstate_startup_load_seconds`), ready %.0f ms after the process started (%.0f ms with no "
              + "connections), heap %.0f bytes per connection.%n", median(STARTUP, "connections"),
          median(STARTUP, "loadMs"), median(STARTUP, "readyMs"), median(STARTUP, "emptyReadyMs"),
          median(STARTUP, "heapPerConnectionBytes")));
    }
    md.append("\n| ratio | median |\n|---|--:|\n");
    ratios().forEach((name, value) -> md.append(String.format(Locale.ROOT, "| %s | %s |%n", name,
        fixed(value, 2))));
    md.append("\n| goal | target | measured | met |\n|---|---|--:|---|\n");
    for (Goal g : goals()) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s %s | %s |%n", g.name(), g.target(),
          g.unit().equals("/s") ? String.format(Locale.ROOT, "%,.0f", g.measured()) : fixed(g.measured(), 2),
          g.unit(), g.met() ? "yes" : "**no**"));
    }
    md.append("\nEach repetition (requests/s):\n\n| scenario |");
    for (int i = 1; i <= reps; i++) {
      md.append(" run ").append(i).append(" |");
    }
    md.append("\n|---|").append("--:|".repeat(reps)).append('\n');
    for (String key : ALL) {
      if (key.equals(STARTUP)) {
        continue;
      }
      md.append("| ").append(key).append(" |");
      results.get(key).forEach(r -> md.append(' ').append(fixed(leaf(r, "requestsPerSecond"), 0)).append(" |"));
      md.append('\n');
    }
    md.append("| startup load ms |");
    results.get(STARTUP).forEach(r -> md.append(' ').append(fixed(leaf(r, "loadMs"), 0)).append(" |"));
    md.append('\n');
    return md.toString();
  }

  private String critical(String key) {
    double value = median(key, "criticalPerSecond");
    return value > 0 ? String.format(Locale.ROOT, "%,.0f", value) : "";
  }

  private static String fixed(Double value, int decimals) {
    return value == null || value.isNaN() ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }
}
