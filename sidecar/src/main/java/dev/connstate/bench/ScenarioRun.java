package dev.connstate.bench;

import dev.connstate.client.BridgeConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One run of the hot-path or churn scenario against a running sidecar's bridge: connect, set
 * up, warm up, measure, report. Over the measured period only, it reads Redis's counters (when
 * a Redis client is given) and the CPU used by the load generator, Redis and the sidecar (when
 * its process id is known): on a shared 2-core machine that split is the first profile.
 */
final class ScenarioRun {
  /**
   * @param rate units per second in total, or 0 for a closed loop of {@code inflight} units per connection
   */
  record Settings(String host, int port, int clients, double rate, int inflight, Duration warmup,
                  Duration duration) {
    String mode() {
      return rate > 0 ? String.format(Locale.ROOT, "open loop, %.0f units/s offered", rate)
          : "closed loop, " + inflight + " in flight per connection";
    }
  }

  /**
   * What to measure besides the replies: Redis's counters, the sidecar's CPU (its process id) and
   * the bytes its JVM allocated (its HTTP endpoints); each may be null.
   */
  record Observed(Redis redis, Long sidecarPid, SidecarHttp sidecarHttp) {
    static final Observed NOTHING = new Observed(null, null, null);
  }

  private ScenarioRun() {
  }

  static Future<BenchReport> run(Vertx vertx, Workload workload, String target, Settings settings, Observed observed,
                                 PrintStream progress) {
    List<Future<BridgeConnection>> opening = new ArrayList<>();
    for (int i = 0; i < settings.clients(); i++) {
      opening.add(BridgeConnection.open(vertx, settings.host(), settings.port()));
    }
    return Future.all(opening).compose(all -> {
      List<BridgeConnection> connections = new ArrayList<>();
      opening.forEach(f -> connections.add(f.result()));
      Measurements measurements = new Measurements();
      LoadDriver driver = new LoadDriver(vertx, connections, workload, measurements, settings.rate(),
          settings.inflight());
      Promise<Sample> start = Promise.promise();
      return onContext(connections.get(0), () -> workload.setup(connections.get(0)))
          .compose(v -> driver.run(settings.warmup(), settings.duration(),
              () -> Sample.take(vertx, observed).onComplete(start),
              p -> progress.printf(Locale.ROOT, "[%s on %s] %3d s: %,9d requests/s  p99 %8.3f ms  failed %d%n",
                  workload.name(), target, p.second(), p.requests(), p.latencies().getValueAtPercentile(99) / 1e6,
                  p.failed())))
          .compose(v -> start.future())
          .compose(before -> Sample.take(vertx, observed).map(after -> {
            double seconds = measurements.elapsedSeconds();
            return BenchReport.of(workload, target, settings.mode(), settings.clients(), measurements,
                driver.skipped(), before.redis == null ? null : after.redis.minus(before.redis),
                after.coresSince(before, seconds), after.allocated - before.allocated,
                new BenchReport.GcPauses(after.gcPauses - before.gcPauses, after.gcPauseSeconds - before.gcPauseSeconds));
          }))
          .eventually(() -> Future.join(connections.stream().map(BridgeConnection::close).toList()));
    });
  }

  /**
   * CPU seconds of each process, Redis's counters, the sidecar's allocated bytes and its GC pauses
   * (count and seconds; NaN: not read) at one moment.
   */
  private record Sample(RedisStats redis, double load, double sidecar, double allocated, double gcPauses,
                        double gcPauseSeconds) {
    static Future<Sample> take(Vertx vertx, Observed observed) {
      double load = CpuTime.ownSeconds();
      double sidecar = observed.sidecarPid() == null ? Double.NaN : CpuTime.seconds(observed.sidecarPid());
      Future<RedisStats> redis = observed.redis() == null ? Future.succeededFuture() : RedisStats.read(observed.redis());
      // an HTTP read that blocks: on a worker, not the event loop driving the load
      Future<double[]> jvm = observed.sidecarHttp() == null
          ? Future.succeededFuture(new double[] {Double.NaN, Double.NaN, Double.NaN})
          : vertx.executeBlocking(() -> observed.sidecarHttp().metrics(SidecarHttp.ALLOCATED_BYTES,
              SidecarHttp.GC_PAUSES, SidecarHttp.GC_PAUSE_SECONDS));
      return Future.all(redis, jvm).map(all -> new Sample(redis.result(), load, sidecar, jvm.result()[0],
          jvm.result()[1], jvm.result()[2]));
    }

    /** Cores each process kept busy on average: CPU seconds over wall seconds. */
    Map<String, Double> coresSince(Sample before, double seconds) {
      Map<String, Double> cores = new LinkedHashMap<>();
      if (!Double.isNaN(sidecar)) {
        cores.put("sidecar", (sidecar - before.sidecar) / seconds);
      }
      if (redis != null) {
        cores.put("redis", (redis.cpuSeconds() - before.redis.cpuSeconds()) / seconds);
      }
      if (!Double.isNaN(load)) {
        cores.put("load", (load - before.load) / seconds);
      }
      return cores;
    }
  }

  private static <T> Future<T> onContext(BridgeConnection connection, Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    connection.context().runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }
}
