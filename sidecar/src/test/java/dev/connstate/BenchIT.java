package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code connstate bench} from the packaged jar, each scenario for about a second at a low rate:
 * the reports are complete. No timing is asserted: speed is measured in docs/BENCHMARKS.md.
 */
@DisplayName("connstate bench")
class BenchIT {
  private static final List<String> LOAD_RUNS = List.of("hot/hash/closed", "hot/hash/open", "churn/hash/closed",
      "churn/hash/open", "hot/legacy/closed", "churn/legacy/closed");

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  private static String run(int timeoutSeconds, String... args) throws Exception {
    try (JarProcess jar = new JarProcess(Map.of(), args)) {
      int code = jar.awaitExit(timeoutSeconds);
      String output = String.join("\n", jar.output());
      assertThat(code).as("exit code; output:%n%s", output).isZero();
      return output;
    }
  }

  /** The JSON document in the output (progress lines come before it). */
  private static JsonObject json(String output) {
    return new JsonObject(output.substring(output.indexOf("\n{") + 1, output.lastIndexOf('}') + 1));
  }

  @Test
  @DisplayName("suite: every scenario and repetition reported with throughput, latency, Redis cost and CPU; "
      + "medians, ratios and goals; suite.md and suite.json written")
  void suite() throws Exception {
    Path out = Files.createTempDirectory("bench-it");
    String output = run(600, "bench", "suite", "--repetitions", "1", "--duration", "1", "--warmup", "0.5",
        "--clients", "2", "--inflight", "2", "--hot-rate", "200", "--churn-rate", "150",
        "--startup-connections", "1000", "--ceiling-requests", "2000", "--redis-url", redis.url(),
        "--out", out.toString(), "--json");
    JsonObject report = json(output);

    JsonObject setup = report.getJsonObject("setup");
    assertThat(setup.getString("command")).startsWith("java -jar target/connstate.jar bench suite");
    assertThat(setup.getInteger("cores")).isPositive();
    assertThat(setup.getString("jdk")).isNotBlank();
    assertThat(setup.getString("redis")).startsWith("redis-server ");

    JsonObject runs = report.getJsonObject("runs");
    for (String key : LOAD_RUNS) {
      JsonArray repetitions = runs.getJsonArray(key);
      assertThat(repetitions).as(key).hasSize(1);
      JsonObject r = repetitions.getJsonObject(0);
      assertThat(r.getLong("requests")).as(key + " requests").isPositive();
      assertThat(r.getLong("failed")).as(key + " failed requests: " + r.getJsonObject("errors")).isZero();
      assertThat(r.getDouble("requestsPerSecond")).as(key).isPositive();
      JsonObject latency = r.getJsonObject("latencyMs");
      assertThat(latency.fieldNames()).containsExactlyInAnyOrder("p50", "p99", "p999", "max");
      assertThat(latency.getDouble("p50")).isPositive().isLessThanOrEqualTo(latency.getDouble("max"));
      assertThat(r.getDouble("redisBytesPerRequest")).as(key + " bytes to Redis").isPositive();
      assertThat(r.getDouble("redisCommandsPerRequest")).as(key + " commands").isPositive();
      assertThat(r.getJsonObject("coresUsed").fieldNames()).as(key).containsExactly("sidecar", "redis", "load");
      assertThat(r.getDouble("allocatedBytesPerRequest")).as(key + " bytes the sidecar allocated per request")
          .isNotNull().isNotNegative();
      JsonObject gc = r.getJsonObject("gcPauses");
      assertThat(gc).as(key + " the sidecar's GC pauses").isNotNull();
      assertThat(gc.fieldNames()).containsExactlyInAnyOrder("count", "meanMs", "shareOfTime");
      assertThat(gc.getDouble("shareOfTime")).as(key + " share of time in GC pauses").isBetween(0.0, 1.0);
      if (key.startsWith("churn")) {
        assertThat(r.getDouble("criticalPerSecond")).as(key).isPositive();
      }
    }
    assertThat(runs.getJsonArray("hot/hash/open").getJsonObject(0).getString("mode")).contains("200 units/s");

    boolean redisBenchmark = RedisProcess.onPath("redis-benchmark") != null;
    for (String key : List.of("redis-benchmark/P16", "redis-benchmark/P1")) {
      JsonObject ceiling = runs.getJsonArray(key).getJsonObject(0);
      if (redisBenchmark) {
        assertThat(ceiling.getDouble("requestsPerSecond")).as(key + ": " + ceiling).isPositive();
      } else {
        assertThat(ceiling.getString("error")).contains("redis-benchmark is not on PATH");
      }
    }

    JsonObject startup = runs.getJsonArray("startup").getJsonObject(0);
    assertThat(startup.getInteger("connections")).isEqualTo(1000);
    assertThat(startup.getDouble("loadMs")).isPositive();
    assertThat(startup.getDouble("readyMs")).isPositive();
    assertThat(startup.getDouble("emptyReadyMs")).isPositive();
    assertThat(startup.getDouble("heapPerConnectionBytes")).isFinite();
    assertThat(redis.call("KEYS", "*1sl:conn*").size()).as("the startup connections are removed").isZero();

    assertThat(report.getJsonObject("medians").getJsonObject("hot/hash/closed").getDouble("latencyMs.p99"))
        .isPositive();
    JsonObject ratios = report.getJsonObject("ratios");
    assertThat(ratios.fieldNames()).hasSize(5);
    assertThat(ratios.getDouble("hot: hash / legacy (requests/s, closed loop)")).isPositive();
    JsonArray goals = report.getJsonArray("goals");
    assertThat(goals).hasSize(11);
    for (int i = 0; i < goals.size(); i++) {
      JsonObject goal = goals.getJsonObject(i);
      assertThat(goal.getDouble("measured")).as(goal.getString("goal")).isFinite();
      assertThat(goal.getValue("met")).isInstanceOf(Boolean.class);
    }

    String markdown = Files.readString(out.resolve("suite.md"));
    assertThat(markdown).contains("| hot | hash |", "| churn | legacy |", "redis-benchmark HSET", "Startup with 1,000",
        "| goal | target | measured | met |", "Machine: ");
    assertThat(new JsonObject(Files.readString(out.resolve("suite.json"))).getJsonObject("runs").fieldNames())
        .containsAll(LOAD_RUNS);
  }

  @Test
  @DisplayName("hot and churn against a running sidecar print a table, or JSON with --json; bad options get exit "
      + "code 2 naming the option")
  void singleScenarios() throws Exception {
    int bridge = RedisProcess.freePort();
    int http = RedisProcess.freePort();
    try (JarProcess sidecar = new JarProcess(Map.of("CONNSTATE_REDIS_URL", redis.url(), "CONNSTATE_KEY_PREFIX",
        "bench-it:", "CONNSTATE_BRIDGE_PORT", Integer.toString(bridge), "CONNSTATE_HTTP_PORT",
        Integer.toString(http)))) {
      sidecar.awaitLine("connstate ready", 60);
      String port = Integer.toString(bridge);
      String table = run(120, "bench", "hot", "--port", port, "--duration", "1", "--warmup", "0.5", "--clients", "2",
          "--rate", "100", "--handles", "50", "--touch-share", "0.8", "--redis-url", redis.url(),
          "--metrics-port", Integer.toString(http));
      assertThat(table).contains("scenario      hot on 127.0.0.1:" + port, "open loop, 100 units/s offered",
          "throughput", "latency (ms)  p50", "errors        none", "bytes and", "CPU (cores)   redis",
          "bytes allocated by the sidecar per request");
      assertThat(table).containsPattern("\\[hot on 127\\.0\\.0\\.1:\\d+\\] +1 s:");

      JsonObject churn = json(run(120, "bench", "churn", "--port", port, "--duration", "1", "--warmup", "0.5",
          "--clients", "2", "--inflight", "1", "--json"));
      assertThat(churn.getString("scenario")).isEqualTo("churn");
      assertThat(churn.getLong("requests")).isPositive();
      assertThat(churn.getLong("failed")).isZero();
      assertThat(churn.getDouble("criticalPerSecond")).isPositive();
      assertThat(churn.containsKey("redisBytesPerRequest")).as("no --redis-url: not measured").isFalse();
      assertThat(churn.containsKey("allocatedBytesPerRequest")).as("no --metrics-port: not measured").isFalse();
      assertThat(churn.containsKey("gcPauses")).as("no --metrics-port: not measured").isFalse();
    }
    try (JarProcess bad = new JarProcess(Map.of(), "bench", "hot", "--clients", "0")) {
      assertThat(bad.awaitExit(60)).isEqualTo(2);
      assertThat(bad.output()).contains("--clients: expected 1 to 1000, got 0");
    }
    try (JarProcess bad = new JarProcess(Map.of(), "bench", "hot", "--touch-share", "1.5")) {
      assertThat(bad.awaitExit(60)).isEqualTo(2);
      assertThat(bad.output()).contains("--touch-share: expected a fraction from 0 to 1, got 1.5");
    }
  }
}
