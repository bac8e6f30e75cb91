package dev.connstate.bench;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The result of one scenario run: throughput, latency percentiles, errors by code and what the
 * run cost Redis. {@link #toJson()} is what {@code --json} prints; {@link #table()} the human form.
 */
record BenchReport(String scenario, String target, String mode, int clients, double seconds, long requests,
                   long failed, Map<String, Long> errors, long skippedUnits, double requestsPerSecond,
                   double criticalPerSecond, double p50Ms, double p99Ms, double p999Ms, double maxMs,
                   Double redisBytesPerRequest, Double redisCommandsPerRequest, Map<String, Double> cores,
                   Double allocatedBytesPerRequest, GcPauses gcPauses) {

  /**
   * The sidecar's stop-the-world collection pauses over the measured period: how many, and their
   * total seconds (NaN: not read). What they mean for latency: a request that arrives during a
   * pause waits for it.
   */
  record GcPauses(double count, double seconds) {
    boolean measured() {
      return !Double.isNaN(count) && !Double.isNaN(seconds);
    }

    double meanMs() {
      return count == 0 ? 0 : seconds * 1_000 / count;
    }
  }

  /**
   * @param allocatedBytes what the sidecar's JVM allocated over the measured period (Micrometer's
   *     young-generation count, which moves at each collection: exact to within one collection),
   *     or NaN when not read
   */
  static BenchReport of(Workload workload, String target, String mode, int clients, Measurements m, long skipped,
                        RedisStats redis, Map<String, Double> cores, double allocatedBytes, GcPauses gcPauses) {
    Histogram h = m.total();
    double seconds = m.elapsedSeconds();
    long requests = m.succeeded() + m.failed();
    double perSecond = m.succeeded() / seconds;
    return new BenchReport(workload.name(), target, mode, clients, seconds, requests, m.failed(), m.errors(), skipped,
        perSecond, perSecond * workload.criticalPerUnit() / workload.requestsPerUnit(),
        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
        ms(h.getMaxValue()),
        redis == null || requests == 0 ? null : (double) redis.inputBytes() / requests,
        redis == null || requests == 0 ? null : (double) redis.commands() / requests,
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(cores)),
        Double.isNaN(allocatedBytes) || requests == 0 ? null : allocatedBytes / requests, gcPauses);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  JsonObject toJson() {
    JsonObject latency = new JsonObject().put("p50", p50Ms).put("p99", p99Ms).put("p999", p999Ms).put("max", maxMs);
    JsonObject json = new JsonObject().put("scenario", scenario).put("target", target).put("mode", mode)
        .put("clients", clients).put("seconds", seconds).put("requests", requests).put("failed", failed)
        .put("errors", new JsonObject(Map.copyOf(errors))).put("skippedUnits", skippedUnits)
        .put("requestsPerSecond", requestsPerSecond).put("criticalPerSecond", criticalPerSecond)
        .put("latencyMs", latency).put("coresUsed", new JsonObject(new java.util.LinkedHashMap<>(cores)));
    if (redisBytesPerRequest != null) {
      json.put("redisBytesPerRequest", redisBytesPerRequest).put("redisCommandsPerRequest", redisCommandsPerRequest);
    }
    if (allocatedBytesPerRequest != null) {
      json.put("allocatedBytesPerRequest", allocatedBytesPerRequest);
    }
    if (gcPauses.measured()) {
      json.put("gcPauses", new JsonObject().put("count", gcPauses.count()).put("meanMs", gcPauses.meanMs())
          .put("shareOfTime", gcPauses.seconds() / seconds));
    }
    return json;
  }

  String table() {
    return String.format(Locale.ROOT, """
        scenario      %s on %s (%s, %d connections, %.0f s)
        throughput    %,.0f requests/s%s
        latency (ms)  p50 %.3f   p99 %.3f   p99.9 %.3f   max %.3f
        errors        %s%s
        Redis         %s
        CPU (cores)   %s
        allocation    %s
        GC pauses     %s
        """, scenario, target, mode, clients, seconds, requestsPerSecond,
        criticalPerSecond > 0 ? String.format(Locale.ROOT, " (%,.0f critical changes/s)", criticalPerSecond) : "",
        p50Ms, p99Ms, p999Ms, maxMs, failed == 0 ? "none" : failed + " " + errors,
        skippedUnits > 0 ? "; " + skippedUnits + " units skipped: the sidecar did not keep up with the offered rate" : "",
        redisBytesPerRequest == null ? "not measured (no --redis-url)"
            : String.format(Locale.ROOT, "%.1f bytes and %.2f commands received per request", redisBytesPerRequest,
                redisCommandsPerRequest),
        cores.isEmpty() ? "not measured" : String.join("   ", cores.entrySet().stream()
            .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue())).toList()),
        allocatedBytesPerRequest == null ? "not measured (no --metrics-port)"
            : String.format(Locale.ROOT, "%,.0f bytes allocated by the sidecar per request", allocatedBytesPerRequest),
        !gcPauses.measured() ? "not measured (no --metrics-port)"
            : String.format(Locale.ROOT, "%.0f stop-the-world pauses, %.2f ms each on average, %.2f %% of the time",
                gcPauses.count(), gcPauses.meanMs(), 100 * gcPauses.seconds() / seconds));
  }
}
