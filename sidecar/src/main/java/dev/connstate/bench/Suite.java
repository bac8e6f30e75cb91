package dev.connstate.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every scenario in one run, repeated: per repetition a fresh hash-mode sidecar (hot path closed
 * and open loop, churn closed and open loop), a fresh legacy-mode sidecar (hot path and churn,
 * closed loop), {@code redis-benchmark} HSET with and without pipelining, and the startup load.
 * All on one Redis, sidecars started from this jar as child processes. Blocking: a CLI job.
 */
final class Suite {
  /** How the suite runs; rates are per second over all connections. */
  record Plan(int repetitions, LoadOptions load, int handles, double hotRate, double churnCriticalRate,
              int startupConnections, int ceilingRequests, Path jar, List<String> jvmArgs, boolean profile,
              Path out) {
  }

  private final Vertx vertx;
  private final Plan plan;
  private final BenchRedis target;
  private final Redis redis;
  private final PrintStream progress;

  Suite(Vertx vertx, Plan plan, BenchRedis target, PrintStream progress) {
    this.vertx = vertx;
    this.plan = plan;
    this.target = target;
    this.redis = Redis.createClient(vertx, target.url());
    this.progress = progress;
  }

  SuiteReport run(JsonObject setup) throws Exception {
    SuiteReport report = new SuiteReport(setup);
    // prefixes as long as the real "sharpmush:", so that bytes per request are what a game would see
    String run = "sm" + Long.toString(System.currentTimeMillis() % 46_656, 36);
    for (int rep = 1; rep <= plan.repetitions(); rep++) {
      progress.printf("== repetition %d of %d%n", rep, plan.repetitions());
      try (SidecarProcess hash = sidecar(run, rep, "hash")) {
        report.add(SuiteReport.HOT_HASH, load(hash, new HotPath(1_000_000, plan.handles(), HotPath.DEFAULT_TOUCH_SHARE), 0));
        report.add(SuiteReport.HOT_HASH_OPEN, load(hash, new HotPath(1_000_000, plan.handles(), HotPath.DEFAULT_TOUCH_SHARE), plan.hotRate()));
        report.add(SuiteReport.CHURN_HASH, load(hash, new Churn(10_000_000), 0));
        Churn churn = new Churn(100_000_000);
        report.add(SuiteReport.CHURN_HASH_OPEN, load(hash, churn,
            plan.churnCriticalRate() / churn.criticalPerUnit()));
      }
      try (SidecarProcess legacy = sidecar(run, rep, "legacy")) {
        report.add(SuiteReport.HOT_LEGACY, load(legacy, new HotPath(1_000_000, plan.handles(), HotPath.DEFAULT_TOUCH_SHARE), 0));
        report.add(SuiteReport.CHURN_LEGACY, load(legacy, new Churn(10_000_000), 0));
      }
      progress.printf("[redis-benchmark] HSET on %s%n", target.url());
      report.add(SuiteReport.CEILING_PIPELINED, RedisCeiling.run(target.host(), target.port(),
          plan.ceilingRequests(), 16));
      report.add(SuiteReport.CEILING_SINGLE, RedisCeiling.run(target.host(), target.port(),
          plan.ceilingRequests() / 4, 1));
      report.add(SuiteReport.STARTUP, StartupCommand.run(redis, target.url(), plan.jar(), plan.startupConnections(),
          jvmArgs("startup", rep), plan.out(), run + rep + "s").toJson());
    }
    return report;
  }

  private SidecarProcess sidecar(String run, int rep, String schema) throws InterruptedException {
    String prefix = run + rep + schema.charAt(0) + ":";
    progress.printf("[sidecar] %s store, key prefix %s%n", schema, prefix);
    return SidecarProcess.start(plan.jar(), target.url(), prefix, schema, jvmArgs(schema, rep),
        plan.out().resolve("sidecar-" + schema + "-r" + rep + ".log")).awaitReady(120_000);
  }

  private List<String> jvmArgs(String name, int rep) {
    List<String> args = new ArrayList<>(plan.jvmArgs());
    if (plan.profile() && !name.equals("startup")) {
      args.add("-XX:StartFlightRecording=filename=" + plan.out().resolve(name + "-r" + rep + ".jfr").toAbsolutePath()
          + ",settings=profile,dumponexit=true");
    }
    return args;
  }

  private JsonObject load(SidecarProcess sidecar, Workload workload, double rate) throws Exception {
    LoadOptions o = plan.load();
    ScenarioRun.Settings settings = o.settings("127.0.0.1", sidecar.bridgePort(), rate);
    Future<BenchReport> run = ScenarioRun.run(vertx, workload, sidecar.schema(), settings,
        new ScenarioRun.Observed(redis, sidecar.pid(), sidecar.http()), progress);
    BenchReport report = run.toCompletionStage().toCompletableFuture()
        .get(Math.round(o.warmup + o.duration) + 300, TimeUnit.SECONDS);
    progress.print(report.table());
    return report.toJson();
  }
}
