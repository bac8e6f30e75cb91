package dev.connstate.bench;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code bench hot} and {@code bench churn} share: validate the options, drive a running
 * sidecar with the scenario's workload, print the progress to stderr and the report to stdout.
 * Exit code 1 when the sidecar cannot be reached, 2 for invalid options.
 */
abstract class LoadCommand implements Callable<Integer> {
  @Mixin
  LoadOptions load;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bridge host (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "7000", description = "Bridge port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "The sidecar's HTTP port (CONNSTATE_HTTP_PORT, on 127.0.0.1): to report the bytes its JVM "
          + "allocated per request (from jvm_gc_memory_allocated_bytes_total).")
  Integer metricsPort;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "UNITS_PER_S",
      description = "Offered rate in units/s (a hot-path request, a churn session) over all connections, on a "
          + "fixed schedule (open loop); 0 = as fast as the sidecar answers (closed loop, default).")
  double rate;

  /** The scenario to drive. */
  abstract Workload workload();

  /** Null when the scenario's own options are valid, else what is wrong. */
  String scenarioProblem() {
    return null;
  }

  @Override
  public Integer call() throws Exception {
    String problem = load.problem();
    if (problem == null && rate < 0) {
      problem = "--rate: expected 0 (closed loop) or a positive rate, got " + rate;
    } else if (problem == null && (port < 1 || port > 65_535)) {
      problem = "--port: expected 1 to 65535, got " + port;
    } else if (problem == null && metricsPort != null && (metricsPort < 1 || metricsPort > 65_535)) {
      problem = "--metrics-port: expected 1 to 65535, got " + metricsPort;
    } else if (problem == null) {
      problem = scenarioProblem();
    }
    if (problem != null) {
      System.err.println(problem);
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = load.redisUrl == null ? null : Redis.createClient(vertx, load.redisUrl);
      String target = host + ":" + port;
      BenchReport report = ScenarioRun.run(vertx, workload(), target, load.settings(host, port, rate),
              new ScenarioRun.Observed(redis, null, metricsPort == null ? null : new SidecarHttp(metricsPort)), System.err)
          .toCompletionStage().toCompletableFuture()
          .get(Math.round(load.warmup + load.duration) + 300, TimeUnit.SECONDS);
      System.out.print(load.json ? report.toJson().encodePrettily() + "\n" : report.table());
      return 0;
    } catch (ExecutionException e) {
      System.err.println("benchmark failed: " + e.getCause().getMessage());
      return 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
