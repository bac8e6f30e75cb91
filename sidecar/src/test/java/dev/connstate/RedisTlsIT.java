package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.redis.RedisProcess;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RedisBinary;
import dev.connstate.testing.TestCerts;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import dev.connstate.testing.TlsRedis;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis over TLS (DESIGN §8): {@code rediss://} URLs in each mode, the server's certificate
 * checked against {@code redis.tls.caFile} (the test CA of {@code src/test/resources/tls/}) or
 * else the JVM's trust store. Each Redis here speaks TLS on the port the sidecar is given and
 * plain TCP on another, through which the test looks at what was stored.
 *
 * <p>Should the redis-server binary lack TLS, the tests that need a TLS server check instead
 * that a {@code rediss://} URL to a server without TLS stops the start with a clear error, and
 * say so in the log: they are never skipped.
 */
@DisplayName("Redis over TLS (rediss://, redis.tls.caFile)")
class RedisTlsIT {
  private static final Logger LOG = LoggerFactory.getLogger(RedisTlsIT.class);
  private static final String MASTER_NAME = "tls-master";
  private static final int SLOTS = 16384;
  private static final String PASSWORD = "s3cret-never-logged";
  /** A standalone Redis with TLS, or null if the binary lacks TLS (then {@link #noTls} says why). */
  static TlsRedis standalone;
  static String noTls;

  @BeforeAll
  static void start() {
    try {
      standalone = TlsRedis.start(List.of());
    } catch (TlsRedis.Unsupported e) {
      noTls = e.getMessage();
      LOG.warn("{} has no TLS: each TLS test checks the clear failure of rediss:// to a server without TLS instead "
          + "({})", RedisBinary.get(), noTls);
    }
  }

  @AfterAll
  static void stop() {
    if (standalone != null) {
      standalone.close();
    }
  }

  @Test
  @DisplayName("a standalone Redis is reached over TLS, trusting redis.tls.caFile: changes are stored")
  void standaloneOverTls() {
    if (withoutTls()) {
      return;
    }
    String prefix = TestSidecar.newPrefix("tls-standalone");
    try (TestSidecar sidecar = started(standalone.tlsUrl(), prefix, new JsonObject())) {
      Await.result(sidecar.client().register(801, "203.0.113.8:1", "tls-host", "telnet"));
      assertThat(standalone.hgetall(new RedisKeys(prefix).connection(801))).containsEntry("hostname", "tls-host");
      assertThat(standalone.smembers(new RedisKeys(prefix).active())).contains("801");
    }
  }

  @Test
  @DisplayName("without redis.tls.caFile the JVM's trust store decides: it does not know the test CA, so serve "
      + "stays not ready, saying the certificate is not trusted and how to fix it")
  void jvmTrustStoreRefusesTheTestCa() throws Exception {
    if (withoutTls()) {
      return;
    }
    try (JarProcess jar = new JarProcess(serveEnv(standalone.tlsUrl(), null))) {
      String line = jar.awaitLine("cannot connect to Redis", 60);
      assertThat(line).contains("TLS: the Redis server's certificate is not trusted",
          "CONNSTATE_REDIS_TLS_CA_FILE");
      assertThat(jar.output()).noneMatch(l -> l.contains("connstate ready"));
    }
  }

  @Test
  @DisplayName("a rediss:// URL to a Redis port without TLS: serve stays not ready, saying the port does not speak "
      + "TLS, and never logs the URL's password")
  void redissToPlainPort() throws Exception {
    if (standalone != null) {
      assertRedissFailsAgainst(standalone.plainUrl());
    } else {
      try (TestRedis plain = TestRedis.start()) {
        assertRedissFailsAgainst(plain.url());
      }
    }
  }

  @Test
  @DisplayName("in Sentinel mode the sentinels and the master they name are reached over TLS")
  void sentinelOverTls() {
    if (withoutTls()) {
      return;
    }
    String prefix = TestSidecar.newPrefix("tls-sentinel");
    try (TlsRedis sentinel = TlsRedis.sentinel(MASTER_NAME, standalone.tlsPort());
         TestSidecar sidecar = started(sentinel.tlsUrl(), prefix, new JsonObject().put("redis", new JsonObject()
             .put("mode", "sentinel").put("masterName", MASTER_NAME).put("criticalReplicas", 0)))) {
      Await.result(sidecar.client().register(802, "203.0.113.8:2", "tls-sentinel-host", "telnet"));
      Await.result(sidecar.client().update(802, Map.of("WIDTH", "80")));
      Await.until("the write-behind update stored", Duration.ofSeconds(5),
          () -> "80".equals(standalone.hgetall(new RedisKeys(prefix).connection(802)).get("meta:WIDTH")));
      assertThat(standalone.hgetall(new RedisKeys(prefix).connection(802)))
          .containsEntry("hostname", "tls-sentinel-host");
    }
  }

  @Test
  @DisplayName("in Redis Cluster mode the nodes are reached over TLS, and so is each master the startup scan visits")
  void clusterOverTls() {
    if (withoutTls()) {
      return;
    }
    String prefix = TestSidecar.newPrefix("tls-cluster");
    RedisKeys keys = new RedisKeys(prefix);
    try (TlsRedis node = clusterNode()) {
      // stored but not listed in the active set: only the scan of every master finds it
      node.call("HSET", keys.connection(803), "handle", 803, "state", "Connected", "ipAddress", "203.0.113.8:3",
          "hostname", "unlisted", "connectionType", "telnet", "owner", "elsewhere", "connectedAt", 1, "lastSeen", 2,
          "version", 1);
      try (TestSidecar sidecar = started(node.tlsUrl(), prefix, new JsonObject().put("redis", new JsonObject()
          .put("mode", "cluster").put("criticalReplicas", 0)))) {
        Await.result(sidecar.client().register(804, "203.0.113.8:4", "tls-cluster-host", "telnet"));
        assertThat(node.hgetall(keys.connection(804))).containsEntry("hostname", "tls-cluster-host");
        Await.until("the scan over TLS found the unlisted connection and listed it", Duration.ofSeconds(10),
            () -> node.smembers(keys.active()).contains("803"));
      }
    }
  }

  /** A one-node Redis Cluster holding every slot, its client port and cluster bus on TLS. */
  private static TlsRedis clusterNode() {
    List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--tls-cluster", "yes",
        "--cluster-port", Integer.toString(RedisProcess.freePort())));
    TlsRedis node = TlsRedis.start(args);
    List<Object> slots = new ArrayList<>(List.of("ADDSLOTS"));
    for (int slot = 0; slot < SLOTS; slot++) {
      slots.add(slot);
    }
    node.call("CLUSTER", slots.toArray());
    Await.until("cluster_state:ok", Duration.ofSeconds(20),
        () -> node.call("CLUSTER", "INFO").toString().contains("cluster_state:ok"));
    return node;
  }

  private static TestSidecar started(String url, String prefix, JsonObject overrides) {
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("tls", new JsonObject()
        .put("caFile", TestCerts.path(TestCerts.CA)))).mergeIn(overrides, true);
    Sidecar sidecar = Await.result(TestSidecar.begin(url, prefix, prefix.replace(":", ""), config));
    return TestSidecar.of(sidecar);
  }

  /**
   * True, after checking what can be checked without a TLS server, if the redis-server binary
   * lacks TLS: the caller's test then ends there.
   */
  private static boolean withoutTls() {
    if (standalone != null) {
      return false;
    }
    LOG.warn("no TLS in {}: checking the failure of rediss:// to a plain server instead", RedisBinary.get());
    try (TestRedis plain = TestRedis.start()) {
      assertRedissFailsAgainst(plain.url());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return true;
  }

  /** {@code serve} with a {@code rediss://} URL (with a password) to {@code plainUrl}'s port. */
  private static void assertRedissFailsAgainst(String plainUrl) throws Exception {
    String url = plainUrl.replace("redis://", "rediss://default:" + PASSWORD + "@");
    try (JarProcess jar = new JarProcess(serveEnv(url, TestCerts.path(TestCerts.CA)))) {
      // the TLS client waits 10 s for a handshake that a plain port never answers
      String line = jar.awaitLine("cannot connect to Redis", 60);
      assertThat(line).contains("TLS: no TLS handshake: does this port speak TLS?");
      assertThat(jar.awaitLine("starting: instance", 1)).contains("rediss://default:***@");
      assertThat(jar.output()).noneMatch(l -> l.contains("connstate ready")).noneMatch(l -> l.contains(PASSWORD));
    }
  }

  /** The environment of {@code connstate serve} against {@code url}, trusting {@code caFile} (or the JVM's CAs). */
  private static Map<String, String> serveEnv(String url, String caFile) {
    Map<String, String> env = new HashMap<>(Map.of("CONNSTATE_REDIS_URL", url, "CONNSTATE_HTTP_PORT", "0",
        "CONNSTATE_HTTP_HOST", "127.0.0.1", "CONNSTATE_BRIDGE_PORT", "0", "CONNSTATE_INSTANCE_ID", "tls-serve",
        "CONNSTATE_KEY_PREFIX", TestSidecar.newPrefix("tls-serve")));
    if (caFile != null) {
      env.put("CONNSTATE_REDIS_TLS_CA_FILE", caFile);
    }
    return env;
  }
}
