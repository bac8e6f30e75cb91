package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.config.ConfigLoader;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.protocol.Addresses;
import dev.connstate.shard.AuditReport;
import dev.connstate.shard.Divergence;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.RedisReader;
import dev.connstate.testing.Scrape;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestRedisCluster;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The convergence audit (DESIGN §7) on a real Redis, standalone and Cluster: divergences made
 * behind a sidecar's back with a plain Redis client are found, counted by kind in the exported
 * metrics, and repaired, so that afterwards every connection the sidecar answers for is what
 * Redis holds and the next run finds nothing.
 */
@DisplayName("Convergence audit against a real Redis")
class ConvergenceAuditIT {
  private static final String INSTANCE = "audit-a";
  private static final int HANDLES = 20;
  /** A handle only Redis will hold. */
  private static final long UNKNOWN = 100;
  private static TestRedis standalone;
  private static TestRedisCluster cluster;

  /** Where Redis runs. */
  enum Deployment { STANDALONE, CLUSTER }

  @BeforeAll
  static void startRedis() {
    standalone = TestRedis.start();
    cluster = new TestRedisCluster();
  }

  @AfterAll
  static void stopRedis() {
    standalone.close();
    cluster.close();
  }

  private static RedisReader redis(Deployment deployment) {
    return deployment == Deployment.CLUSTER ? cluster : standalone;
  }

  private static TestSidecar start(Deployment deployment, String prefix) {
    return start(deployment, prefix, INSTANCE, new JsonObject());
  }

  private static TestSidecar start(Deployment deployment, String prefix, String instanceId, JsonObject overrides) {
    String url = deployment == Deployment.CLUSTER ? cluster.url() : standalone.url();
    JsonObject redisSettings = new JsonObject().put("url", url);
    if (deployment == Deployment.CLUSTER) {
      // a cluster of masters only: no replica can confirm a change
      redisSettings.put("mode", "cluster").put("criticalReplicas", 0);
    }
    JsonObject settings = new JsonObject().put("instanceId", instanceId).put("keyPrefix", prefix)
        .put("redis", redisSettings)
        // the longest interval there is: this test runs the audit itself
        .put("auditIntervalMs", 86_400_000)
        .put("bridge", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .mergeIn(overrides, true);
    return TestSidecar.of(Await.result(Sidecar.start(new ConfigLoader().load(null, Map.of(), settings), url)));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Deployment.class)
  @DisplayName("a field changed, a hash deleted and a hash added behind the sidecar's back are counted by kind, "
      + "exported, repaired, and the next run finds nothing")
  void findsCountsAndRepairs(Deployment deployment) {
    RedisReader redis = redis(deployment);
    try (TestSidecar sidecar = start(deployment, TestSidecar.newPrefix("audit"))) {
      RedisKeys keys = sidecar.keys();
      List<JsonObject> events = new CopyOnWriteArrayList<>();
      sidecar.sidecar().vertx().eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> events.add(m.body()));
      makeConnections(sidecar, events);

      // behind the sidecar's back: no version, no event
      redis.call("HSET", keys.connection(3), "meta:WIDTH", "132");
      redis.call("DEL", keys.connection(4));
      long now = System.currentTimeMillis();
      redis.call("HSET", keys.connection(UNKNOWN), "handle", UNKNOWN, "version", 3, "state", "Connected",
          "ipAddress", "198.51.100.9:4000", "hostname", "written.by.hand", "connectionType", "telnet",
          "owner", INSTANCE, "connectedAt", now, "lastSeen", now, "meta:WIDTH", "80");
      redis.call("SADD", keys.active(), UNKNOWN);

      AuditReport report = Await.result(sidecar.sidecar().audit().runNow());
      assertThat(report.complete()).isTrue();
      assertThat(report.compared()).as("every connection, and the one only Redis holds").isEqualTo(HANDLES + 1);
      assertThat(report.divergences()).containsExactlyInAnyOrderEntriesOf(Map.of(Divergence.FIELD_DIFFERS, 1,
          Divergence.MISSING_IN_REDIS, 1, Divergence.MISSING_HERE, 1));
      assertThat(report.examples()).extracting(AuditReport.Example::handle).containsExactlyInAnyOrder(3L, 4L, UNKNOWN);

      Scrape scrape = Scrape.of(sidecar.sidecar().httpPort());
      assertThat(scrape.sum("connstate_audit_divergence_ratio")).isCloseTo(3.0 / (HANDLES + 1),
          org.assertj.core.data.Offset.offset(1e-9));
      assertThat(scrape.sum("connstate_audit_compared_total")).isEqualTo(HANDLES + 1);
      assertThat(scrape.sum("connstate_audit_divergences_total", "kind", "field_differs")).isEqualTo(1);
      assertThat(scrape.sum("connstate_audit_divergences_total", "kind", "missing_in_redis")).isEqualTo(1);
      assertThat(scrape.sum("connstate_audit_divergences_total", "kind", "missing_here")).isEqualTo(1);
      assertThat(scrape.sum("connstate_audit_runs_total", "outcome", "ok")).isEqualTo(1);
      assertThat(scrape.sum("connstate_audit_runs_total", "outcome", "failed")).isZero();

      List<Long> all = new ArrayList<>(LongStream.rangeClosed(1, HANDLES).boxed().toList());
      all.add(UNKNOWN);
      for (long handle : all) {
        assertThat(shown(sidecar, handle)).as("handle %d as the sidecar answers for it", handle)
            .isEqualTo(stored(redis, keys, handle));
      }
      assertThat(events).filteredOn(e -> e.getBoolean("resync", false))
          .extracting(e -> e.getLong("handle") + " " + e.getString("type"))
          .as("subscribers hear of each repair (3 at the version they hold: registered replaces their copy, §8.3)")
          .containsExactlyInAnyOrder("3 registered", "4 disconnected",
              UNKNOWN + " registered");

      AuditReport again = Await.result(sidecar.sidecar().audit().runNow());
      assertThat(again.complete()).isTrue();
      assertThat(again.divergent()).as("the repairs hold").isZero();
      assertThat(again.compared()).as("the deleted one is no connection any more").isEqualTo(HANDLES);
      Scrape after = Scrape.of(sidecar.sidecar().httpPort());
      assertThat(after.sum("connstate_audit_divergence_ratio")).isZero();
      assertThat(after.sum("connstate_audit_runs_total", "outcome", "ok")).isEqualTo(2);
      assertThat(after.sum("connstate_audit_divergences_total")).as("nothing more counted").isEqualTo(3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Deployment.class)
  @DisplayName("changes racing the audit, this sidecar's own and another sidecar's, are never counted as divergences")
  void racingChangesAreNotDivergences(Deployment deployment) {
    String prefix = TestSidecar.newPrefix("audit-race");
    // this test is about counting, not latency: a critical change held up by a loaded machine
    // (two sidecars racing on two cores) must not end the race
    JsonObject patient = new JsonObject().put("criticalTimeoutMs", 10_000);
    try (TestSidecar a = start(deployment, prefix, INSTANCE, patient);
         TestSidecar b = start(deployment, prefix, "audit-b", patient)) {
      List<JsonObject> events = new CopyOnWriteArrayList<>();
      a.sidecar().vertx().eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> events.add(m.body()));
      makeConnections(b, events);
      AtomicBoolean racing = new AtomicBoolean(true);
      Future<Long> fromA = race(a, racing, 0);
      Future<Long> fromB = race(b, racing, 1);
      try {
        for (int run = 0; run < 3; run++) {
          AuditReport report = Await.result(a.sidecar().audit().runNow());
          assertThat(report.complete()).isTrue();
          assertThat(report.divergent()).as("run %d: %s", run, report).isZero();
          assertThat(report.compared() + report.leftOut()).isPositive();
        }
      } finally {
        racing.set(false);
      }
      assertThat(Await.result(fromA) + Await.result(fromB)).as("changes made meanwhile").isPositive();
      assertThat(Scrape.of(a.sidecar().httpPort()).sum("connstate_audit_divergences_total")).isZero();
    }
  }

  /**
   * Updates this sidecar's connections of one parity (every fifth change critical), one after
   * another, until {@code racing} ends; completes with how many it made.
   */
  private static Future<Long> race(TestSidecar sidecar, AtomicBoolean racing, int parity) {
    Promise<Long> done = Promise.promise();
    raceOn(sidecar, racing, parity, new AtomicLong(), done);
    return done.future();
  }

  /** One change, then the next from its answer's callback: no chain of futures grows with the count. */
  private static void raceOn(TestSidecar sidecar, AtomicBoolean racing, int parity, AtomicLong made,
                             Promise<Long> done) {
    if (!racing.get()) {
      done.complete(made.get());
      return;
    }
    long n = made.get();
    long handle = 2 * (n % (HANDLES / 2)) + 1 + parity;
    Future<?> change = n % 5 == 0
        ? sidecar.client().updateCritical(handle, Map.of("C", Long.toString(n)))
        : sidecar.client().update(handle, Map.of("W", Long.toString(n)));
    change.onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        made.incrementAndGet();
        raceOn(sidecar, racing, parity, made, done);
      }
    });
  }

  /**
   * Registers the connections, binds and updates some, and waits until the sidecar has heard
   * Redis announce every change: from then on nothing of its own is on the way.
   */
  private static void makeConnections(TestSidecar sidecar, List<JsonObject> events) {
    List<Future<?>> registered = new ArrayList<>();
    for (long h = 1; h <= HANDLES; h++) {
      registered.add(sidecar.client().register(h, "203.0.113." + h + ":5000", "host-" + h, "telnet"));
    }
    Await.result(Future.all(registered));
    for (long h = 1; h <= 5; h++) {
      Await.result(sidecar.client().bind(h, "#" + h));
      Await.result(sidecar.client().update(h + 5, Map.of("WIDTH", Long.toString(80 + h))));
    }
    int changes = HANDLES + 10;
    Await.until("the sidecar heard every change back from Redis", Duration.ofSeconds(10),
        () -> events.size() >= changes);
  }

  /** The connection as the sidecar answers {@code get}, or null for 404. */
  private static JsonObject shown(TestSidecar sidecar, long handle) {
    Future<JsonObject> reply = sidecar.sidecar().vertx().eventBus()
        .<JsonObject>request(Addresses.GET, new JsonObject().put("handle", handle)).map(Message::body);
    return Await.result(reply.recover(e -> e instanceof ReplyException r && r.failureCode() == 404
        ? Future.succeededFuture(null) : Future.failedFuture(e)));
  }

  /** The connection as Redis holds it, in the form clients see; null if there is none. */
  private static JsonObject stored(RedisReader redis, RedisKeys keys, long handle) {
    Map<String, String> hash = redis.hgetall(keys.connection(handle));
    return hash.isEmpty() ? null : ConnectionRecord.fromHash(handle, hash).toJson();
  }
}
