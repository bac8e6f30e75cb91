package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.Connection;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.ops.MetricNames;
import dev.connstate.redis.RedisClients;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.legacy.LegacyJson;
import dev.connstate.store.legacy.LegacyMigration;
import dev.connstate.testing.Await;
import dev.connstate.testing.LegacyFixtures;
import dev.connstate.testing.LogCapture;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import dev.connstate.testing.V1Reader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("The v1 store: read fallback, migration, dual and legacy modes")
class LegacyStoreIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  static Vertx vertx;
  static Redis client;

  @BeforeAll
  static void client() {
    vertx = Vertx.vertx();
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url()));
  }

  @AfterAll
  static void close() {
    Await.result(client.close().eventually(vertx::close));
  }

  private static LegacyMigration.Report migrate(String prefix, boolean dryRun, boolean deleteLegacy) {
    return Await.result(new LegacyMigration(client, new RedisKeys(prefix), 86_400_000L,
        new LegacyMigration.Options(dryRun, deleteLegacy, 2), r -> { }).run());
  }

  /** Every key under the prefix with its type and value, to compare before and after. */
  private static Map<String, String> snapshot(String prefix) {
    Map<String, String> all = new TreeMap<>();
    for (var key : redis.call("KEYS", prefix + "*")) {
      String k = key.toString();
      String type = redis.call("TYPE", k).toString();
      String value = switch (type) {
        case "string" -> redis.call("GET", k).toString();
        case "hash" -> new TreeMap<>(redis.hgetall(k)).toString();
        case "set" -> new java.util.TreeSet<>(redis.smembers(k)).toString();
        default -> type;
      };
      all.put(k, type + " " + value);
    }
    return all;
  }

  @Nested
  @DisplayName("read fallback")
  class ReadFallback {
    @Test
    @DisplayName("get of handles 1, 2 and 1000001 returns exactly the state their v1 JSON holds; malformed records "
        + "answer a clear error, not a crash")
    void getsTheV1State() {
      String prefix = TestSidecar.newPrefix("legacy-get");
      LegacyFixtures.load(redis, prefix);
      try (TestSidecar sidecar = TestSidecar.start(redis, prefix, "legacy-get")) {
        Connection one = Await.result(sidecar.client().get(1));
        assertThat(one.state()).isEqualTo("Connected");
        assertThat(one.playerRef()).isNull();
        assertThat(one.ipAddress()).isEqualTo("127.0.0.1:54321");
        assertThat(one.connectedAt()).isEqualTo(1_771_002_957_123L);
        Connection two = Await.result(sidecar.client().get(2));
        assertThat(two.playerRef()).isEqualTo("#5:1700000000000");
        assertThat(two.state()).isEqualTo("LoggedIn");
        assertThat(two.lastSeen()).isEqualTo(1_771_003_244_500L);
        assertThat(two.metadata()).containsEntry("WIDTH", "120").containsEntry("HEIGHT", "40").containsEntry("CMDS", "17");
        Connection big = Await.result(sidecar.client().get(1_000_001));
        assertThat(big.playerRef()).isEqualTo("#100");
        assertThat(big.ipAddress()).isEqualTo("[2001:db8::7]:61000");
        assertThat(big.metadata()).containsEntry("ClientName", "Café & Client ++")
            .containsEntry("GMCP_ClientHello", "{\"client\":\"Mudlet\",\"version\":\"4.17.2\"}");
        assertThat(big.connectedAt()).isEqualTo(1_771_003_800_000L);

        for (long malformed : new long[] {3, 4}) {
          ReplyException failure = Await.failure(sidecar.client().get(malformed));
          assertThat(failure.failureCode()).isEqualTo(500);
          assertThat(failure.getMessage()).contains("handle " + malformed).contains("cannot be read");
        }
        assertThat(Await.result(sidecar.client().stats()).getLong("connections")).isEqualTo(3);
        assertThat(sidecar.sidecar().metrics().registry().get(MetricNames.LEGACY_READS).counter().count())
            .isGreaterThanOrEqualTo(3);
        assertThat(redis.smembers(prefix + "conn:active")).as("the orphan is removed at load").doesNotContain("7");
      }
    }

    @Test
    @DisplayName("a change to a connection that exists only as a v1 record converts it to v2 first, then applies it")
    void writeConverts() {
      String prefix = TestSidecar.newPrefix("legacy-write");
      LegacyFixtures.load(redis, prefix);
      try (TestSidecar sidecar = TestSidecar.start(redis, prefix, "legacy-write")) {
        Await.result(sidecar.client().updateCritical(2, Map.of("WIDTH", "132")));
        Map<String, String> hash = redis.hgetall(prefix + "conn:{2}");
        assertThat(hash).containsEntry("meta:WIDTH", "132").containsEntry("meta:HEIGHT", "40")
            .containsEntry("playerRef", "#5:1700000000000").containsEntry("version", "2")
            .containsEntry("connectedAt", "1771002961765");
        assertThat(Await.result(sidecar.client().register(1, "other:1", "other", "websocket")).created())
            .as("register of a v1-only connection returns it").isFalse();
        assertThat(redis.hgetall(prefix + "conn:{1}")).containsEntry("ipAddress", "127.0.0.1:54321");
        assertThat(Await.result(sidecar.client().disconnect(1_000_001, "quit"))).isTrue();
        assertThat(redis.exists(prefix + "conn:1000001")).as("its v1 key goes too").isFalse();
        assertThat(Await.failure(sidecar.client().get(1_000_001)).failureCode()).isEqualTo(404);
      }
    }
  }

  @Nested
  @DisplayName("connstate migrate")
  class Migrate {
    @Test
    @DisplayName("--dry-run changes nothing; migrate writes the v2 hashes field by field, removes orphan 7, reports "
        + "the two malformed keys; a second run migrates nothing")
    void migrates() {
      String prefix = TestSidecar.newPrefix("migrate");
      LegacyFixtures.load(redis, prefix);
      Map<String, String> before = snapshot(prefix);
      LegacyMigration.Report dry = migrate(prefix, true, true);
      assertThat(snapshot(prefix)).as("a dry run changes nothing").isEqualTo(before);
      assertThat(dry.migrated).isEqualTo(3);
      assertThat(dry.orphansRemoved).isEqualTo(1);

      LegacyMigration.Report first = migrate(prefix, false, false);
      assertThat(first.scanned).isEqualTo(5);
      assertThat(first.migrated).isEqualTo(3);
      assertThat(first.alreadyMigrated).isZero();
      assertThat(first.orphansRemoved).isEqualTo(1);
      assertThat(first.malformed).hasSize(2).anyMatch(m -> m.startsWith(prefix + "conn:3:"))
          .anyMatch(m -> m.startsWith(prefix + "conn:4:"));
      assertThat(redis.hgetall(prefix + "conn:{2}")).isEqualTo(Map.ofEntries(
          Map.entry("handle", "2"), Map.entry("version", "1"), Map.entry("state", "LoggedIn"),
          Map.entry("playerRef", "#5:1700000000000"), Map.entry("ipAddress", "203.0.113.5:50122"),
          Map.entry("hostname", "203.0.113.5:50122"), Map.entry("connectionType", "telnet"),
          Map.entry("connectedAt", "1771002961765"), Map.entry("lastSeen", "1771003244500"),
          Map.entry("meta:ConnectionStartTime", "1771002961765"), Map.entry("meta:LastConnectionSignal", "1771003244500"),
          Map.entry("meta:InternetProtocolAddress", "203.0.113.5:50122"), Map.entry("meta:HostName", "203.0.113.5:50122"),
          Map.entry("meta:ConnectionType", "telnet"), Map.entry("meta:WIDTH", "120"), Map.entry("meta:HEIGHT", "40"),
          Map.entry("meta:CMDS", "17")));
      assertThat(redis.hgetall(prefix + "conn:{1000001}")).containsEntry("playerRef", "#100")
          .containsEntry("meta:ClientName", "Café & Client ++").doesNotContainKey("owner");
      assertThat(redis.pttl(prefix + "conn:{1}")).isBetween(1L, 86_400_000L);
      assertThat(redis.smembers(prefix + "conn:active")).containsExactlyInAnyOrder("1", "2", "1000001", "3", "4");
      assertThat(redis.exists(prefix + "conn:3")).as("malformed records are left untouched").isTrue();
      assertThat(redis.exists(prefix + "conn:{3}")).isFalse();
      assertThat(redis.exists(prefix + "conn:2")).as("v1 keys stay without --delete-legacy").isTrue();

      LegacyMigration.Report second = migrate(prefix, false, false);
      assertThat(second.migrated).isZero();
      assertThat(second.alreadyMigrated).isEqualTo(3);
      assertThat(second.orphansRemoved).isZero();
      assertThat(second.malformed).hasSize(2);

      LegacyMigration.Report deleting = migrate(prefix, false, true);
      assertThat(deleting.legacyDeleted).isEqualTo(3);
      assertThat(redis.exists(prefix + "conn:2")).isFalse();
      assertThat(redis.exists(prefix + "conn:{2}")).isTrue();
    }

    @Test
    @DisplayName("a migration running while a client updates the same connections loses no update")
    void concurrentWithTraffic() {
      String prefix = TestSidecar.newPrefix("migrate-live");
      int handles = 300;
      for (long h = 1; h <= handles; h++) {
        ConnectionRecord record = ConnectionRecord.create(h, "10.20.0.1:" + h, "h" + h, "telnet", null,
            1_771_000_000_000L + h, Map.of("ORIGINAL", "v1-" + h));
        redis.call("SET", prefix + "conn:" + h, LegacyJson.encode(record), "EX", 86_400);
        redis.call("SADD", prefix + "conn:active", h);
      }
      try (TestSidecar sidecar = TestSidecar.start(redis, prefix, "migrate-live")) {
        AtomicBoolean migrating = new AtomicBoolean(true);
        Future<LegacyMigration.Report> migration = new LegacyMigration(client, new RedisKeys(prefix), 86_400_000L,
            new LegacyMigration.Options(false, false, 10), r -> { }).run()
            .onComplete(ar -> migrating.set(false));
        Map<Long, String> last = new HashMap<>();
        int round = 0;
        do {
          List<Future<?>> updates = new ArrayList<>();
          for (long h = 1; h <= handles; h++) {
            String value = "r" + round;
            updates.add(sidecar.client().update(h, Map.of("U", value)));
            last.put(h, value);
          }
          Await.result(Future.all(updates));
          round++;
        } while (migrating.get() || round < 3);
        LegacyMigration.Report report = Await.result(migration);
        assertThat(report.malformed).isEmpty();
        Await.until("every update stored", Duration.ofSeconds(10),
            () -> Await.result(sidecar.client().stats()).getLong("pendingWrites") == 0);
        for (long h = 1; h <= handles; h++) {
          assertThat(redis.hgetall(prefix + "conn:{" + h + "}")).as("handle %s", h)
              .containsEntry("meta:U", last.get(h)).containsEntry("meta:ORIGINAL", "v1-" + h)
              .containsEntry("ipAddress", "10.20.0.1:" + h);
        }
      }
    }
  }

  @Test
  @DisplayName("dual mode: after a bind and updates, a v1 reader's parse of the v1 key equals the v2 hash")
  void dualModeKeepsV1Current() {
    String prefix = TestSidecar.newPrefix("dual");
    try (TestSidecar sidecar = TestSidecar.start(redis, prefix, "dual",
        new JsonObject().put("store", new JsonObject().put("schema", "dual")))) {
      var c = sidecar.client();
      Await.result(c.register(42, "[2001:db8::1]:4000", "héllo.example", "websocket", null,
          Map.of("ClientName", "Café <&> 'quoted' \"x\" + `tick` \\ 😀")));
      Await.result(c.bind(42, "#5:1700000000000"));
      Await.result(c.update(42, Map.of("WIDTH", "120", "Removed", "soon")));
      Await.result(c.updateCritical(42, java.util.Collections.singletonMap("Removed", null)));
      String json = redis.call("GET", prefix + "conn:42").toString();
      V1Reader v1 = V1Reader.read(json);
      Map<String, String> hash = redis.hgetall(prefix + "conn:{42}");
      assertThat(v1.handle()).isEqualTo(42);
      assertThat(v1.playerRef()).isEqualTo(hash.get("playerRef"));
      assertThat(v1.state()).isEqualTo(hash.get("state"));
      assertThat(v1.ipAddress()).isEqualTo(hash.get("ipAddress"));
      assertThat(v1.hostname()).isEqualTo(hash.get("hostname"));
      assertThat(v1.connectionType()).isEqualTo(hash.get("connectionType"));
      assertThat(v1.connectedAt()).isEqualTo(Long.parseLong(hash.get("connectedAt")));
      assertThat(v1.lastSeen()).isEqualTo(Long.parseLong(hash.get("lastSeen")));
      Map<String, String> meta = new TreeMap<>();
      hash.forEach((k, v) -> {
        if (k.startsWith("meta:")) {
          meta.put(k.substring(5), v);
        }
      });
      assertThat(v1.metadata()).isEqualTo(meta).doesNotContainKey("Removed");
      assertThat(json).as("escaped as System.Text.Json does").contains("h\\u00E9llo.example")
          .contains("Caf\\u00E9 \\u003C\\u0026\\u003E \\u0027quoted\\u0027 \\u0022x\\u0022 \\u002B \\u0060tick\\u0060 \\\\ \\uD83D\\uDE00")
          .contains("\"PlayerRef\":{\"Number\":5,\"CreationMilliseconds\":1700000000000}")
          .matches("\\{\"Handle\":42,\"PlayerRef\":.*,\"State\":\"LoggedIn\",\"IpAddress\":.*\"Metadata\":\\{.*\\}\\}");
      assertThat(redis.pttl(prefix + "conn:42")).isBetween(86_000_000L, 86_400_000L);
      Await.result(c.disconnect(42, "quit"));
      assertThat(redis.exists(prefix + "conn:42")).isFalse();
    }
  }

  @Nested
  @DisplayName("legacy mode (the v1 baseline)")
  class LegacyMode {
    private TestSidecar start(String prefix) {
      return TestSidecar.start(redis, prefix, "legacy-mode",
          new JsonObject().put("store", new JsonObject().put("schema", "legacy")));
    }

    @Test
    @DisplayName("10 concurrent updaters of one connection lose no update when the retries suffice")
    void noLostUpdate() {
      String prefix = TestSidecar.newPrefix("legacy-mode");
      try (TestSidecar sidecar = start(prefix)) {
        Await.result(sidecar.client().register(9, "10.0.0.9:9", "h", "telnet"));
        List<Future<?>> all = new ArrayList<>();
        for (int updater = 0; updater < 10; updater++) {
          for (int i = 0; i < 5; i++) {
            all.add(sidecar.client().update(9, Map.of("U" + updater + "_" + i, "v")));
          }
        }
        Await.result(Future.join(all));
        long dropped = all.stream().filter(Future::failed).count();
        V1Reader stored = V1Reader.read(redis.call("GET", prefix + "conn:9").toString());
        long present = stored.metadata().keySet().stream().filter(k -> k.startsWith("U")).count();
        assertThat(present + dropped).as("every update is either stored or reported").isEqualTo(50);
        assertThat(dropped).as("with 10 writers the retries suffice").isZero();
        assertThat(Await.result(sidecar.client().get(9)).metadata()).containsKeys("U0_0", "U9_4");
      }
    }

    @Test
    @DisplayName("when the retries do not suffice, the dropped update answers 503 and is counted and logged")
    void droppedUpdateIsReported() {
      String prefix = TestSidecar.newPrefix("legacy-drop");
      // no retry, so that one conflicting write (made certain below) is enough to drop the update
      try (TestSidecar sidecar = TestSidecar.start(redis, prefix, "legacy-drop", new JsonObject()
          .put("store", new JsonObject().put("schema", "legacy").put("legacyRetries", 0)));
           LogCapture logs = new LogCapture()) {
        Await.result(sidecar.client().register(9, "10.0.0.9:9", "h", "telnet"));
        String key = prefix + "conn:9";
        String document = redis.call("GET", key).toString();
        // writes wait while paused and then run in the order they arrived: another v1 writer's SET,
        // sent first, lands between the update's WATCH (a read: not paused) and its EXEC
        redis.call("CLIENT", "PAUSE", 300, "WRITE");
        Future<Object> otherWriter = client.send(io.vertx.redis.client.Request.cmd(
            io.vertx.redis.client.Command.SET).arg(key).arg(document)).map(r -> r);
        Await.until("the other writer waits", Duration.ofSeconds(2),
            () -> redis.call("CLIENT", "LIST").toString().contains("cmd=set"));
        ReplyException failure = Await.failure(sidecar.client().update(9, Map.of("LOST", "1")));
        Await.result(otherWriter);
        assertThat(failure.failureCode()).isEqualTo(503);
        assertThat(failure.getMessage()).contains("dropped").contains("optimistic locking");
        assertThat(V1Reader.read(redis.call("GET", key).toString()).metadata()).doesNotContainKey("LOST");
        assertThat(sidecar.sidecar().metrics().registry().get(MetricNames.REDIS_WRITE_FAILURES)
            .tag("path", "legacy").tag("reason", "dropped").counter().count()).isEqualTo(1.0);
        assertThat(logs.warned("v1 store dropped an update")).isTrue();
      }
    }
  }
}
