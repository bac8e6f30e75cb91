package dev.connstate.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code connstate bench suite}: every scenario, repeated, in one run on one Redis, with the
 * medians, ratios and goals as markdown (stdout and {@code suite.md}) and JSON ({@code suite.json}).
 */
@Command(name = "suite", mixinStandardHelpOptions = true,
    description = {"All scenarios in one run, repeated: hash-mode sidecar (hot path and churn, closed and open "
        + "loop), legacy-mode sidecar (hot path and churn), redis-benchmark HSET, startup load. Starts its own "
        + "Redis and sidecars (from this jar); writes suite.md, suite.json, the sidecars' logs (and with --profile "
        + "their JFR recordings) to --out."})
final class SuiteCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  LoadOptions load;

  @Mixin
  SidecarOptions sidecar;

  @Option(names = "--repetitions", defaultValue = "3", description = "Runs of every scenario; the report gives "
      + "medians (default ${DEFAULT-VALUE}).")
  int repetitions;

  @Option(names = "--handles", defaultValue = "1000", description = "Hot-path connections (default "
      + "${DEFAULT-VALUE}).")
  int handles;

  @Option(names = "--hot-rate", defaultValue = "20000", paramLabel = "PER_S",
      description = "Hot-path open-loop offered rate, requests/s (default ${DEFAULT-VALUE}).")
  double hotRate;

  @Option(names = "--churn-rate", defaultValue = "5000", paramLabel = "PER_S",
      description = "Churn open-loop offered rate, critical changes/s (default ${DEFAULT-VALUE}).")
  double churnRate;

  @Option(names = "--startup-connections", defaultValue = "100000",
      description = "Connections for the startup load (default ${DEFAULT-VALUE}).")
  int startupConnections;

  @Option(names = "--ceiling-requests", defaultValue = "2000000",
      description = "HSETs per pipelined redis-benchmark run; a quarter of them unpipelined (default "
          + "${DEFAULT-VALUE}).")
  int ceilingRequests;

  @Option(names = "--profile", description = "Record each load sidecar with Java Flight Recorder into --out.")
  boolean profile;

  @Override
  public Integer call() throws Exception {
    String problem = load.problem();
    if (problem == null && (repetitions < 1 || repetitions > 100)) {
      problem = "--repetitions: expected 1 to 100, got " + repetitions;
    } else if (problem == null && (hotRate <= 0 || churnRate <= 0)) {
      problem = "--hot-rate and --churn-rate: expected positive rates, got " + hotRate + " and " + churnRate;
    } else if (problem == null && (startupConnections < 1 || handles < 1 || ceilingRequests < 4)) {
      problem = "--startup-connections, --handles and --ceiling-requests: expected positive counts "
          + "(--ceiling-requests at least 4)";
    }
    if (problem != null) {
      System.err.println(problem);
      return 2;
    }
    Suite.Plan plan = new Suite.Plan(repetitions, load, handles, hotRate, churnRate, startupConnections,
        ceilingRequests, SidecarJar.locate(sidecar.jar), sidecar.jvmArgs, profile, sidecar.out);
    Files.createDirectories(sidecar.out);
    Vertx vertx = Vertx.vertx();
    try (BenchRedis target = BenchRedis.of(load.redisUrl)) {
      JsonObject setup = setup(vertx, target);
      SuiteReport report = new Suite(vertx, plan, target, System.err).run(setup);
      String markdown = "Command: `" + setup.getString("command") + "`  \nMachine: " + machine(setup) + "\n\n"
          + report.markdown();
      Files.writeString(sidecar.out.resolve("suite.md"), markdown, StandardCharsets.UTF_8);
      Path out = sidecar.out;
      Files.writeString(out.resolve("suite.json"), report.toJson().encodePrettily(), StandardCharsets.UTF_8);
      System.out.print(load.json ? report.toJson().encodePrettily() + "\n" : markdown);
      System.err.println("reports written to " + out.resolve("suite.md") + " and " + out.resolve("suite.json"));
      return 0;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private JsonObject setup(Vertx vertx, BenchRedis target) throws Exception {
    String redisVersion = RedisStats.version(Redis.createClient(vertx, target.url())).toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new JsonObject()
        .put("command", "java -jar target/connstate.jar " + String.join(" ",
            spec.commandLine().getParseResult().originalArgs()))
        .put("cores", Runtime.getRuntime().availableProcessors()).put("cpu", cpuModel())
        .put("memoryGiB", memoryGiB())
        .put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("redis", "redis-server " + redisVersion + " (" + target.description() + ")")
        .put("sidecarJvmArgs", new JsonArray(sidecar.jvmArgs))
        .put("settings", new JsonObject().put("clients", load.clients).put("inflight", load.inflight)
            .put("durationSeconds", load.duration).put("warmupSeconds", load.warmup).put("handles", handles)
            .put("hotRate", hotRate).put("churnCriticalRate", churnRate).put("repetitions", repetitions));
  }

  private static String machine(JsonObject setup) {
    return String.format(Locale.ROOT, "%d cores (%s), %s GiB, %s, %s, %s", setup.getInteger("cores"),
        setup.getString("cpu"), setup.getValue("memoryGiB"), setup.getString("jdk"), setup.getString("os"),
        setup.getString("redis"));
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU (" + e.getMessage() + ")";
    }
  }

  private static Object memoryGiB() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
          .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0)).findFirst().orElse(-1L);
    } catch (IOException e) {
      return "unknown";
    }
  }
}
