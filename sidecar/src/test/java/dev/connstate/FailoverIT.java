package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.config.ConfigLoader;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.AcknowledgedLoad;
import dev.connstate.testing.Await;
import dev.connstate.testing.RedisReader;
import dev.connstate.testing.TestRedisCluster;
import dev.connstate.testing.TestSentinelGroup;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: a sidecar loses nothing it acknowledged across a Redis failover. Real servers: a
 * Sentinel group (master, replica, three Sentinels) and a Redis Cluster of three masters with a
 * replica each; four client threads drive critical commands through two sidecars while the
 * master fails over, then Redis, the two sidecars and a third one started afterwards are held to
 * every acknowledged change (see {@link AcknowledgedLoad}).
 */
@DisplayName("Redis failover under load: nothing acknowledged is lost")
class FailoverIT {
  /**
   * {@code redis.criticalReplicas}: a critical change is acknowledged only once Redis {@code WAIT}
   * saw this many replicas hold it (else 503). Set explicitly, not left to the mode's default.
   */
  static final int CRITICAL_REPLICAS = 1;
  static final Duration AGREEMENT = Duration.ofSeconds(10);
  /** The load runs at least this long; the fault comes after {@link #FAULT_AFTER} of it. */
  static final Duration LOAD = Duration.ofSeconds(6);
  /** Until the fault is over the load's end is open; this bounds it should the fault never end. */
  static final Duration LOAD_AT_MOST = Duration.ofSeconds(60);
  static final Duration FAULT_AFTER = Duration.ofSeconds(2);
  /** How long the load goes on once Redis is whole again, to show that the sidecars serve again. */
  static final Duration AFTER_RECOVERY = Duration.ofSeconds(3);
  /** Once Redis is whole again, a sidecar must be writing to the new master within this. */
  static final Duration FOLLOW_WITHIN = Duration.ofSeconds(1);

  static TestSentinelGroup sentinels;
  static TestRedisCluster cluster;

  /** Started by the first test that needs it, so that one fixture failing to start fails only its tests. */
  private static synchronized TestSentinelGroup sentinels() {
    if (sentinels == null) {
      sentinels = TestSentinelGroup.start("connstate-failover");
    }
    return sentinels;
  }

  private static synchronized TestRedisCluster cluster() {
    if (cluster == null) {
      cluster = TestRedisCluster.withReplicas();
    }
    return cluster;
  }

  @AfterAll
  static void stop() {
    try {
      if (sentinels != null) {
        sentinels.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  @DisplayName("SENTINEL FAILOVER after 2 s of load through two sidecars, the load going on until 3 s after the old "
      + "master is demoted: every acknowledged change is on the new master, a sidecar started afterwards loads every "
      + "live connection, and both sidecars agree with Redis")
  void sentinelFailover() {
    TestSentinelGroup group = sentinels();
    group.awaitSettled();
    survives("failover-sentinel", sentinelSettings(group), group, load -> {
      load.mark("SENTINEL FAILOVER");
      group.failover();
      load.mark("every Sentinel names the new master");
      // Sentinel demotes the old master ~10 s after the switch: until then the new one has no replica
      group.awaitSettled();
    });
  }

  @Test
  @DisplayName("kill -9 of the Sentinel-watched master after 2 s of load, restarted as a replica once the replica is "
      + "promoted: nothing acknowledged is lost, a new sidecar loads it all, both sidecars agree with Redis")
  void sentinelMasterKilled() {
    TestSentinelGroup group = sentinels();
    group.awaitSettled();
    survives("failover-kill", sentinelSettings(group), group, load -> {
      load.mark("kill -9 of the master");
      group.killMaster();
      load.mark("every Sentinel names the replica");
      group.restartKilled();
    });
  }

  @Test
  @DisplayName("kill -9 of a Redis Cluster master (the one holding conn:active) after 2 s of load, restarted as a "
      + "replica once its replica is promoted: nothing acknowledged is lost, a new sidecar loads it all, both sidecars "
      + "agree with Redis")
  void clusterMasterKilled() {
    TestRedisCluster redis = cluster();
    redis.awaitSettled();
    JsonObject settings = new JsonObject().put("url", redis.url()).put("mode", "cluster");
    survives("failover-cluster", settings, redis, load -> {
      load.mark("kill -9 of the master of conn:active");
      redis.killMasterOf(load.keys().active());
      load.mark("its replica serves the slot");
      redis.restartKilled();
    });
  }

  private static JsonObject sentinelSettings(TestSentinelGroup group) {
    return new JsonObject().put("url", group.sentinelUrl()).put("mode", "sentinel")
        .put("masterName", group.masterName());
  }

  /**
   * Runs the load through two sidecars for at least {@link #LOAD}, applies {@code fault} after
   * {@link #FAULT_AFTER} (it returns once Redis is whole again: failed over, every node back and
   * in sync), lets the load go on for {@link #AFTER_RECOVERY} more, then holds Redis, both
   * sidecars and a third one started now to every acknowledged change. Every failing check is
   * reported, not just the first.
   */
  private static void survives(String scenario, JsonObject redisSettings, RedisReader redis,
                               Consumer<AcknowledgedLoad> fault) {
    String prefix = TestSidecar.newPrefix(scenario);
    try (TestSidecar a = sidecar(prefix, scenario + "-a", redisSettings);
         TestSidecar b = sidecar(prefix, scenario + "-b", redisSettings)) {
      String label = scenario + " (criticalReplicas " + CRITICAL_REPLICAS + ")";
      AcknowledgedLoad load = AcknowledgedLoad.start(label, new RedisKeys(prefix), List.of(a.client(), b.client()),
          LOAD_AT_MOST);
      load.awaitRunningFor(FAULT_AFTER);
      long faultAt = load.mark("fault begins");
      fault.accept(load);
      long recoveredAt = load.mark("Redis whole again");
      load.endAt(Collections.max(List.of(LOAD, Duration.ofMillis(recoveredAt).plus(AFTER_RECOVERY))));
      load.awaitEnd();
      System.out.println(load.summary());
      SoftAssertions.assertSoftly(softly -> {
        softly.assertThat(load.acknowledgedBetween(0, faultAt)).as("commands acknowledged before the fault")
            .isPositive();
        softly.assertThat(load.acknowledgedBetween(recoveredAt, Long.MAX_VALUE))
            .as("commands acknowledged once Redis was whole again").isPositive();
        softly.assertThat(load.answered503SentFrom(recoveredAt + FOLLOW_WITHIN.toMillis()))
            .as("503 answers to commands sent more than %s after Redis was whole again (the sidecars must follow "
                + "the failover)", FOLLOW_WITHIN).isEqualTo("none");
        softly.check(() -> load.assertStored(redis));
        softly.check(() -> {
          try (TestSidecar late = sidecar(prefix, scenario + "-c", redisSettings)) {
            load.assertLoadedBy(late.client(), redis);
          }
        });
        softly.check(() -> load.assertSidecarsAgree(redis, List.of(a.client(), b.client()), AGREEMENT));
      });
    }
  }

  /** A sidecar on {@code redis} settings (url, mode, masterName), with criticalReplicas set. */
  private static TestSidecar sidecar(String prefix, String instanceId, JsonObject redisSettings) {
    JsonObject redis = redisSettings.copy().put("criticalReplicas", CRITICAL_REPLICAS);
    JsonObject overrides = new JsonObject()
        .put("instanceId", instanceId).put("keyPrefix", prefix)
        .put("redis", redis)
        .put("bridge", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    assertThat(redis.getString("url")).isNotBlank();
    return TestSidecar.of(Await.result(Sidecar.start(new ConfigLoader().load(null, Map.of(), overrides),
        redis.getString("url"))));
  }
}
