package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.config.ConfigLoader;
import dev.connstate.ops.MetricNames;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Await;
import dev.connstate.testing.DelayProxy;
import dev.connstate.testing.Http;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Health and metrics endpoints")
class OpsEndpointsIT {
  /** One sample line of the Prometheus text format: name, optional labels, value, optional timestamp. */
  static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
          + "(-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf)( -?[0-9]+)?");
  static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

  private static Http.Response get(int port, String path) {
    return Http.get(port, path);
  }

  private static JsonObject check(JsonObject health, String id) {
    return health.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
  }

  private static boolean healthIs(int port, int code, String status) {
    Http.Response r = get(port, "/health");
    return r.status() == code && status.equals(new JsonObject(r.body()).getString("status"));
  }

  @Test
  @DisplayName("Redis killed: /health turns 503 DOWN within 2 s; Redis restarted: 200 UP within 2 s, "
      + "without restarting the sidecar")
  void followsRedis() {
    try (TestRedis redis = TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("ops-health"), "ops-health")) {
      int port = sidecar.sidecar().httpPort();
      assertThat(healthIs(port, 200, "UP")).isTrue();
      redis.kill();
      Await.until("DOWN within 2 s of the kill", Duration.ofSeconds(2), () -> healthIs(port, 503, "DOWN"));
      JsonObject down = new JsonObject(get(port, "/health").body());
      assertThat(check(down, "redis").getString("status")).isEqualTo("DOWN");
      assertThat(check(down, "redis").getJsonObject("data").getString("error")).isNotBlank();
      assertThat(get(port, "/health/live").status()).as("liveness does not depend on Redis").isEqualTo(200);

      redis.restart();
      Await.until("UP within 2 s of the restart", Duration.ofSeconds(2), () -> healthIs(port, 200, "UP"));
      JsonObject up = new JsonObject(get(port, "/health").body());
      assertThat(up.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
          .containsExactly("redis", "startup-load", "write-backlog", "bridge", "lease", "events");
      assertThat(check(up, "write-backlog").getJsonObject("data").getLong("limit")).isEqualTo(100_000);
      assertThat(check(up, "bridge").getJsonObject("data").getInteger("port")).isEqualTo(sidecar.bridgePort());
      // the restarted Redis lost the lease: the sidecar took a new one and reloaded before it was UP again
      assertThat(check(up, "lease").getJsonObject("data").getMap()).containsEntry("instanceId", "ops-health")
          .containsEntry("held", true).containsEntry("ready", true);
    }
  }

  @Test
  @DisplayName("150 ms added between sidecar and Redis: /health is DEGRADED with 200, and reports the latency")
  void degradedWhenSlow() {
    try (TestRedis redis = TestRedis.start(); DelayProxy proxy = new DelayProxy(redis.port(), 150)) {
      JsonObject overrides = new JsonObject().put("instanceId", "ops-slow").put("keyPrefix", TestSidecar.newPrefix("ops-slow"))
          .put("redis", new JsonObject().put("url", proxy.url()))
          .put("bridge", new JsonObject().put("port", 0))
          .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
      try (TestSidecar sidecar = TestSidecar.of(Await.result(Sidecar.start(
          new ConfigLoader().load(null, Map.of(), overrides), proxy.url())))) {
        int port = sidecar.sidecar().httpPort();
        Await.until("DEGRADED", Duration.ofSeconds(5), () -> healthIs(port, 200, "DEGRADED"));
        JsonObject redisCheck = check(new JsonObject(get(port, "/health").body()), "redis");
        assertThat(redisCheck.getString("status")).isEqualTo("DEGRADED");
        assertThat(redisCheck.getJsonObject("data").getDouble("latencyMs")).isGreaterThanOrEqualTo(150.0);
        assertThat(redisCheck.getJsonObject("data").getLong("degradedLatencyMs")).isEqualTo(100);
        assertThat(Await.result(sidecar.client().register(1, "10.0.0.1:1", "h", "telnet")).created())
            .as("slow, but serving").isTrue();
      }
    }
  }

  @Test
  @DisplayName("a fresh sidecar reports DOWN, with its startup load unfinished, until the load is done")
  void downUntilLoaded() {
    try (TestRedis redis = TestRedis.start()) {
      int httpPort = RedisProcess.freePort();
      JsonObject overrides = new JsonObject().put("http", new JsonObject().put("port", httpPort).put("host", "127.0.0.1"));
      redis.call("CLIENT", "PAUSE", 1500, "ALL");
      Future<Sidecar> starting = TestSidecar.begin(redis, TestSidecar.newPrefix("ops-load"), "ops-load", overrides);
      Await.until("health answers", Duration.ofSeconds(2), () -> {
        try {
          return get(httpPort, "/health/live").status() == 200;
        } catch (java.io.UncheckedIOException notYet) {
          return false;
        }
      });
      Http.Response loading = get(httpPort, "/health");
      assertThat(starting.isComplete()).isFalse();
      assertThat(loading.status()).isEqualTo(503);
      JsonObject body = new JsonObject(loading.body());
      assertThat(body.getString("status")).isEqualTo("DOWN");
      assertThat(check(body, "startup-load").getString("status")).isEqualTo("DOWN");
      assertThat(check(body, "startup-load").getJsonObject("data").getBoolean("loaded")).isFalse();
      assertThat(check(body, "bridge").getString("status")).isEqualTo("DOWN");
      try (TestSidecar sidecar = TestSidecar.of(Await.result(starting))) {
        Await.until("UP once loaded", Duration.ofSeconds(3), () -> healthIs(httpPort, 200, "UP"));
        assertThat(sidecar.sidecar().ready()).isTrue();
        assertThat(check(new JsonObject(get(httpPort, "/health").body()), "startup-load").getJsonObject("data")
            .getLong("durationMs")).isNotNull();
      }
    }
  }

  @Test
  @DisplayName("/metrics parses as Prometheus text, holds every metric the alert rules and the dashboard use, "
      + "and the failure counter rises when a write fails")
  void metricsScrape() throws Exception {
    try (TestRedis redis = TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("ops-metrics"), "ops-metrics",
             new JsonObject().put("criticalTimeoutMs", 200).put("maxPendingHandles", 1))) {
      var client = sidecar.client();
      Await.result(client.register(1, "10.0.0.1:1", "h", "telnet"));
      Await.result(client.register(2, "10.0.0.2:2", "h", "websocket"));
      Await.result(client.bind(1, "#1"));
      Await.result(client.update(1, Map.of("W", "1")));
      Await.result(client.get(1));
      Await.result(client.list(dev.connstate.client.ListQuery.all()));
      Await.failure(client.get(404));
      try (dev.connstate.testing.RawBridge bridge = new dev.connstate.testing.RawBridge(sidecar.bridgePort())) {
        assertThat(bridge.request(dev.connstate.protocol.Addresses.GET, new JsonObject().put("handle", 1))
            .getString("type")).isEqualTo("message");
      }
      int port = sidecar.sidecar().httpPort();
      double failuresBefore = sum(parse(get(port, "/metrics").body()), "connstate_redis_write_failures_total");

      redis.call("CLIENT", "PAUSE", 1000, "ALL");
      assertThat(Await.failure(client.unbind(1)).failureCode()).isEqualTo(503);
      Await.result(client.update(1, Map.of("W", "2")));
      assertThat(Await.failure(client.update(2, Map.of("W", "1"))).failureCode()).as("backlog of 1 is full")
          .isEqualTo(503);
      Await.until("the backlog drains after the pause", Duration.ofSeconds(5),
          () -> Await.result(client.stats()).getLong("pendingWrites") == 0);

      Http.Response scrape = get(port, "/metrics");
      assertThat(scrape.contentType()).startsWith("text/plain");
      Map<String, Double> samples = parse(scrape.body());
      assertThat(sum(samples, "connstate_redis_write_failures_total")).isGreaterThan(failuresBefore);
      assertThat(sum(samples, "connstate_writes_rejected_total")).isPositive();

      Set<String> referenced = new TreeSet<>();
      for (Path file : new Path[] {Path.of("config/prometheus/alerts.yml"), Path.of("config/grafana/connstate.json")}) {
        Matcher m = Pattern.compile("\\b(connstate|vertx)_[a-z_]+").matcher(Files.readString(file));
        while (m.find()) {
          referenced.add(m.group());
        }
      }
      assertThat(referenced).contains("connstate_redis_latency_seconds", "connstate_pending_writes",
          "connstate_redis_write_failures_total", "connstate_startup_load_seconds");
      Set<String> names = new TreeSet<>();
      samples.keySet().forEach(k -> names.add(k.replaceAll("\\{.*", "")));
      assertThat(names).containsAll(referenced);
      assertThat(names).as("Vert.x's own metrics").contains("vertx_net_server_active_connections",
          "vertx_http_server_requests_total", "vertx_pool_in_use");
      assertThat(names).as("event-bus metrics are off unless eventBusMetrics is set")
          .noneMatch(n -> n.startsWith("vertx_eventbus_"));
      for (String name : MetricNames.all().keySet()) {
        String exported = name.replace('.', '_');
        assertThat(samples.keySet().stream().anyMatch(k -> k.startsWith(exported)))
            .as("%s is exposed", name).isTrue();
        for (MetricNames.Label label : MetricNames.labels(name)) {
          for (String value : label.values()) {
            assertThat(samples.keySet()).as("%s{%s=\"%s\"} is exposed from the start", exported, label.name(), value)
                .anyMatch(k -> k.startsWith(exported) && k.contains(label.name() + "=\"" + value + "\""));
          }
        }
      }
    }
  }

  private static double sum(Map<String, Double> samples, String name) {
    return samples.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  /** Checks every line against the Prometheus text format and returns sample → value. */
  private static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.equals("# EOF")) {
        continue;
      }
      if (line.startsWith("#")) {
        assertThat(line).as("comment line").matches(COMMENT);
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line: %s", line).isTrue();
      samples.put(line.substring(0, line.lastIndexOf(' ')), Double.parseDouble(m.group(5).replace("+Inf", "Infinity")
          .replace("-Inf", "-Infinity")));
    }
    return samples;
  }
}
