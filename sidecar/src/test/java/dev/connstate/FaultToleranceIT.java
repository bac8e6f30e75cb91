package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.Connection;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.ops.MetricNames;
import dev.connstate.testing.Await;
import dev.connstate.testing.LogCapture;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Fault tests: a real Redis, killed with SIGKILL, stalled, and restarted on the same port. */
@DisplayName("Redis failures")
class FaultToleranceIT {
  static final String DURABLE_AOF = "--appendonly";

  private static TestRedis durableRedis() {
    return TestRedis.start(DURABLE_AOF, "yes", "--appendfsync", "always");
  }

  private static double count(TestSidecar sidecar, String metric) {
    MeterRegistry registry = sidecar.sidecar().metrics().registry();
    return registry.find(metric).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static JsonObject overrides(long criticalTimeoutMs, int maxPendingHandles) {
    return new JsonObject().put("criticalTimeoutMs", criticalTimeoutMs).put("maxPendingHandles", maxPendingHandles);
  }

  @Test
  @DisplayName("killed with SIGKILL under load and restarted 3 s later: every acknowledged critical change and the "
      + "last value of every key are in Redis, versions match the events, and the sidecar served throughout")
  void killUnderLoad() throws Exception {
    int handles = 500;
    try (TestRedis redis = durableRedis(); LogCapture logs = new LogCapture();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("fault-load"), "fault-load",
             overrides(1000, 100_000))) {
      ConnStateClient client = sidecar.client();
      List<Future<?>> registered = new ArrayList<>();
      for (long h = 1; h <= handles; h++) {
        registered.add(client.register(h, "10.7.0.1:" + h, "h" + h, "telnet"));
      }
      Await.result(Future.all(registered));
      Map<Long, List<Long>> versions = new ConcurrentHashMap<>();
      EventSubscription events = client.rawEvents(e -> versions
          .computeIfAbsent(e.handle(), h -> new CopyOnWriteArrayList<>()).add(e.version()));
      Await.result(events.ready());

      Map<String, String> lastAcknowledged = new ConcurrentHashMap<>();
      Set<String> criticalAcknowledged = ConcurrentHashMap.newKeySet();
      Map<Long, String> bindsAcknowledged = new ConcurrentHashMap<>();
      List<String> unexpected = new CopyOnWriteArrayList<>();
      AtomicInteger critical503 = new AtomicInteger();
      List<Future<?>> criticals = new ArrayList<>();

      long start = System.nanoTime();
      boolean killed = false;
      boolean restarted = false;
      int roundsDuringOutage = 0;
      for (int round = 0; ; round++) {
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        if (!killed && elapsedMs >= 1_000) {
          redis.kill();
          killed = true;
        }
        if (killed && !restarted && elapsedMs >= 4_000) {
          redis.restart();
          restarted = true;
        }
        if (elapsedMs >= 6_000) {
          break;
        }
        String key = "K" + (round % 5);
        String value = "r" + round;
        List<Future<?>> updates = new ArrayList<>(handles);
        for (long h = 1; h <= handles; h++) {
          long handle = h;
          updates.add(client.update(handle, Map.of(key, value))
              .onSuccess(r -> lastAcknowledged.put(handle + ":" + key, value))
              .onFailure(e -> unexpected.add("update " + handle + ": " + e)));
        }
        long target = 1 + (round * 7L) % handles;
        String criticalKey = "C" + round;
        criticals.add(client.updateCritical(target, Map.of(criticalKey, "1"))
            .onSuccess(r -> criticalAcknowledged.add(target + ":" + criticalKey))
            .onFailure(e -> expect503(e, critical503, unexpected)).otherwiseEmpty());
        if (round < handles) {
          long bound = round + 1;
          criticals.add(client.bind(bound, "#" + bound).onSuccess(c -> bindsAcknowledged.put(bound, "#" + bound))
              .onFailure(e -> expect503(e, critical503, unexpected)).otherwiseEmpty());
        }
        Await.result(Future.join(updates));
        if (killed && !restarted) {
          roundsDuringOutage++;
        }
        Thread.sleep(20); // pacing: a steady load, not a wait for anything
      }
      Await.result(Future.join(criticals));
      assertThat(unexpected).as("only 503s, for critical changes, while Redis was down").isEmpty();
      assertThat(critical503.get()).as("critical changes answered 503 during the outage").isPositive();

      Await.until("every write-behind change stored", Duration.ofSeconds(30),
          () -> Await.result(client.stats()).getLong("pendingWrites") == 0);
      for (Map.Entry<String, String> e : lastAcknowledged.entrySet()) {
        String[] parts = e.getKey().split(":");
        assertThat(redis.call("HGET", sidecar.keys().connection(Long.parseLong(parts[0])), "meta:" + parts[1]))
            .as("last value of %s", e.getKey()).hasToString(e.getValue());
      }
      for (String c : criticalAcknowledged) {
        String[] parts = c.split(":");
        assertThat(redis.call("HGET", sidecar.keys().connection(Long.parseLong(parts[0])), "meta:" + parts[1]))
            .as("acknowledged critical %s", c).isNotNull();
      }
      bindsAcknowledged.forEach((h, ref) -> assertThat(redis.call("HGET", sidecar.keys().connection(h), "playerRef"))
          .as("acknowledged bind of %s", h).hasToString(ref));

      Await.until("the last event of every handle carries its stored version", Duration.ofSeconds(20), () -> {
        for (long h = 1; h <= handles; h++) {
          List<Long> seen = versions.get(h);
          String stored = redis.call("HGET", sidecar.keys().connection(h), "version").toString();
          if (seen == null || seen.get(seen.size() - 1) != Long.parseLong(stored)) {
            return false;
          }
        }
        return true;
      });
      versions.forEach((h, seen) -> assertThat(seen).as("versions of %s", h).isSorted().doesNotHaveDuplicates());
      for (long h = 1; h <= handles; h += 50) {
        Connection inSidecar = Await.result(client.get(h));
        assertThat(Long.toString(inSidecar.version())).isEqualTo(redis.call("HGET", sidecar.keys().connection(h),
            "version").toString());
      }
      assertThat(roundsDuringOutage).as("rounds of %s updates answered while Redis was down", handles)
          .isGreaterThanOrEqualTo(2);
      assertThat(count(sidecar, MetricNames.REDIS_WRITE_FAILURES)).isPositive();
      assertThat(count(sidecar, MetricNames.REDIS_CONNECTIONS_LOST)).isPositive();
      assertThat(logs.warned("Redis connection lost, reconnecting")).isTrue();
      assertThat(logs.warned("critical change")).isTrue();
      assertThat(logs.logged("restored after")).isTrue();
      Await.result(events.unregister());
    }
  }

  private static void expect503(Throwable e, AtomicInteger count, List<String> unexpected) {
    if (e instanceof ReplyException reply && reply.failureCode() == 503) {
      count.incrementAndGet();
    } else {
      unexpected.add("critical: " + e);
    }
  }

  @Test
  @DisplayName("while Redis is down, critical commands answer 503 within criticalTimeoutMs plus a margin, and "
      + "write-behind changes are accepted up to the backlog bound, then answer 503; all accepted ones are stored later")
  void downRedis() {
    try (TestRedis redis = durableRedis(); LogCapture logs = new LogCapture();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("fault-down"), "fault-down",
             overrides(500, 50))) {
      ConnStateClient client = sidecar.client();
      List<Future<?>> registered = new ArrayList<>();
      for (long h = 1; h <= 80; h++) {
        registered.add(client.register(h, "10.8.0.1:" + h, "h" + h, "telnet"));
      }
      Await.result(Future.all(registered));
      redis.kill();

      for (int i = 0; i < 3; i++) {
        long sent = System.nanoTime();
        ReplyException failure = Await.failure(client.bind(70 + i, "#1"));
        long tookMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(failure.failureCode()).isEqualTo(503);
        assertThat(tookMs).as("answered within criticalTimeoutMs + 500 ms").isLessThan(1_000);
      }
      List<Long> accepted = new ArrayList<>();
      List<Long> refused = new ArrayList<>();
      for (long h = 1; h <= 80; h++) {
        try {
          assertThat(Await.result(client.update(h, Map.of("OUTAGE", "kept"))).persisted()).isFalse();
          accepted.add(h);
        } catch (AssertionError e) {
          ReplyException failure = Await.failure(client.update(h, Map.of("OUTAGE", "kept")));
          assertThat(failure.failureCode()).isEqualTo(503);
          assertThat(failure.getMessage()).contains("backlog is full");
          refused.add(h);
        }
      }
      assertThat(accepted).hasSize(50);
      assertThat(refused).hasSize(30);
      assertThat(sidecar.sidecar().metrics().registry().get(MetricNames.WRITES_REJECTED).counter().count())
          .isGreaterThanOrEqualTo(30);
      assertThat(logs.warned("backlog full")).isTrue();
      assertThat(logs.warned("critical change")).isTrue();
      assertThat(sidecar.sidecar().metrics().registry().find(MetricNames.REDIS_WRITE_FAILURES).tag("path", "critical")
          .counters().stream().mapToDouble(Counter::count).sum()).as("critical failures counted").isGreaterThanOrEqualTo(3);

      redis.restart();
      Await.until("the backlog is written once Redis is back", Duration.ofSeconds(20),
          () -> Await.result(client.stats()).getLong("pendingWrites") == 0);
      for (long h : accepted) {
        assertThat(redis.hgetall(sidecar.keys().connection(h))).containsEntry("meta:OUTAGE", "kept");
      }
      for (long h : refused) {
        assertThat(redis.hgetall(sidecar.keys().connection(h))).doesNotContainKey("meta:OUTAGE");
        assertThat(Await.result(client.get(h)).metadata()).as("a refused change is not shown either")
            .doesNotContainKey("OUTAGE");
      }
      assertThat(Await.result(client.bind(75, "#75")).playerRef()).as("critical changes work again").isEqualTo("#75");
    }
  }

  @Test
  @DisplayName("Redis stalled longer than criticalTimeoutMs: critical commands answer 503, and once Redis resumes "
      + "the sidecar and Redis agree")
  void stalledRedis() {
    try (TestRedis redis = TestRedis.start(); LogCapture logs = new LogCapture();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("fault-stall"), "fault-stall",
             overrides(300, 100_000))) {
      ConnStateClient client = sidecar.client();
      Await.result(client.register(1, "10.9.0.1:1", "h", "telnet"));
      redis.call("CLIENT", "PAUSE", 1500, "ALL");
      long sent = System.nanoTime();
      ReplyException failure = Await.failure(client.bind(1, "#9"));
      assertThat(failure.failureCode()).isEqualTo(503);
      assertThat(failure.getMessage()).contains("may still be stored");
      assertThat((System.nanoTime() - sent) / 1_000_000).isLessThan(800);
      assertThat(Await.result(client.update(1, Map.of("DURING", "stall"))).persisted()).isFalse();

      Await.until("the sidecar shows what Redis stored once it resumed", Duration.ofSeconds(10), () -> {
        Map<String, String> stored = redis.hgetall(sidecar.keys().connection(1));
        Connection shown = Await.result(client.get(1));
        return "stall".equals(stored.get("meta:DURING")) && Long.toString(shown.version()).equals(stored.get("version"))
            && java.util.Objects.equals(shown.playerRef(), stored.get("playerRef"));
      });
      assertThat(Await.result(client.get(1)).playerRef()).as("the bind Redis applied late").isEqualTo("#9");
      assertThat(sidecar.sidecar().metrics().registry().get(MetricNames.REDIS_WRITE_FAILURES)
          .tag("path", "critical").tag("reason", "timeout").counter().count()).isEqualTo(1.0);
      assertThat(logs.warned("critical change not confirmed in time")).isTrue();
    }
  }

  @Test
  @DisplayName("two sidecars, Redis restarted while B is idle: B's get and connstate.events catch up with every "
      + "change A makes once Redis is back, without restarting B")
  void idleSidecarCatchesUp() {
    String prefix = TestSidecar.newPrefix("fault-catchup");
    try (TestRedis redis = durableRedis(); LogCapture logs = new LogCapture();
         TestSidecar a = TestSidecar.start(redis, prefix, "catchup-a");
         TestSidecar b = TestSidecar.start(redis, prefix, "catchup-b")) {
      for (long h = 1; h <= 20; h++) {
        Await.result(a.client().register(h, "10.10.0.1:" + h, "h" + h, "telnet"));
      }
      Await.until("B knows them", Duration.ofSeconds(5), () -> Await.result(b.client().stats()).getLong("connections") == 20);
      Map<Long, Long> lastEventInB = new ConcurrentHashMap<>();
      EventSubscription consumer = b.client().rawEvents(e -> lastEventInB.merge(e.handle(), e.version(), Math::max));
      Await.result(consumer.ready());

      redis.kill();
      redis.restart();
      Await.until("A writes again", Duration.ofSeconds(15),
          () -> Await.result(a.client().bind(1, "#1").map(c -> true).otherwise(false)));
      for (long h = 2; h <= 20; h++) {
        Await.result(a.client().updateCritical(h, Map.of("AFTER", "restart")));
      }
      Await.result(a.client().disconnect(20, "quit"));
      Await.result(a.client().register(21, "10.10.0.1:21", "h21", "websocket"));

      Await.until("B's get shows every change", Duration.ofSeconds(20), () -> {
        if (!"#1".equals(Await.result(b.client().get(1).map(Connection::playerRef).otherwise((String) null)))) {
          return false;
        }
        for (long h = 2; h <= 19; h++) {
          if (!"restart".equals(Await.result(b.client().get(h)).metadata().get("AFTER"))) {
            return false;
          }
        }
        return Await.result(b.client().get(20).map(c -> false).otherwise(true))
            && Await.result(b.client().get(21).map(c -> true).otherwise(false));
      });
      Await.until("B's events reached every stored version", Duration.ofSeconds(10), () -> {
        for (long h = 1; h <= 19; h++) {
          String stored = redis.call("HGET", a.keys().connection(h), "version").toString();
          if (lastEventInB.getOrDefault(h, 0L) != Long.parseLong(stored)) {
            return false;
          }
        }
        return lastEventInB.containsKey(20L) && lastEventInB.containsKey(21L);
      });
      assertThat(logs.logged("event subscription restored")).isTrue();
      assertThat(count(b, MetricNames.REDIS_CONNECTIONS_LOST)).as("B counted its lost connections").isPositive();
      assertThat(count(b, MetricNames.RESYNC_EVENTS) + count(b, MetricNames.EVENTS_PUBLISHED)).isPositive();
      Await.result(consumer.unregister());
    }
  }
}
