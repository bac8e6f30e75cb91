package dev.connstate.bench;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;

/**
 * What {@code bench hot} and {@code bench churn} share: validate the options, drive a running
 * sidecar with the scenario's workload, print the progress to stderr and the report to stdout.
 * Exit code 1 when the sidecar cannot be reached, 2 for invalid options.
 */
abstract class LoadCommand implements Callable<Integer> {
  @Mixin
  LoadOptions load;

  /** The scenario to drive. */
  abstract Workload workload();

  /** Null when the scenario's own options are valid, else what is wrong. */
  String scenarioProblem() {
    return null;
  }

  @Override
  public Integer call() throws Exception {
    String problem = load.problem() != null ? load.problem() : scenarioProblem();
    if (problem != null) {
      System.err.println(problem);
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = load.redisUrl == null ? null : Redis.createClient(vertx, load.redisUrl);
      String target = load.host + ":" + load.port;
      BenchReport report = ScenarioRun.run(vertx, workload(), target, load.settings(),
              new ScenarioRun.Observed(redis, null), System.err)
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
