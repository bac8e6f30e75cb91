package dev.connstate.testing;

import dev.connstate.boot.Sidecar;
import dev.connstate.client.ConnStateClient;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sidecar for a test: its own Vert.x, free ports for the bridge and HTTP, the test's key
 * prefix (so test classes sharing a Redis never see each other's keys) and its own instance id.
 */
public final class TestSidecar implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private final Sidecar sidecar;
  private final ConnStateClient client;

  private TestSidecar(Sidecar sidecar) {
    this.sidecar = sidecar;
    this.client = ConnStateClient.inProcess(sidecar.vertx());
  }

  /** A fresh key prefix for one test. */
  public static String newPrefix(String name) {
    return "test-" + name + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + ":";
  }

  /** The configuration a test sidecar runs with, plus {@code overrides} (same shape as the file). */
  public static SidecarConfig config(TestRedis redis, String prefix, String instanceId, JsonObject overrides) {
    return config(redis.url(), prefix, instanceId, overrides);
  }

  /** The same, for the Redis at {@code redisUrl} (e.g. {@code rediss://…}, a Sentinel or a cluster). */
  public static SidecarConfig config(String redisUrl, String prefix, String instanceId, JsonObject overrides) {
    JsonObject base = new JsonObject()
        .put("instanceId", instanceId)
        .put("keyPrefix", prefix)
        .put("redis", new JsonObject().put("url", redisUrl))
        .put("bridge", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    base.mergeIn(overrides, true);
    return new ConfigLoader().load(null, Map.of(), base);
  }

  /** Starts a sidecar and waits until it answers commands. */
  public static TestSidecar start(TestRedis redis, String prefix, String instanceId) {
    return start(redis, prefix, instanceId, new JsonObject());
  }

  public static TestSidecar start(TestRedis redis, String prefix, String instanceId, JsonObject overrides) {
    return new TestSidecar(Await.result(begin(redis, prefix, instanceId, overrides)));
  }

  /** Starts a sidecar without waiting: the future completes when it answers commands. */
  public static Future<Sidecar> begin(TestRedis redis, String prefix, String instanceId, JsonObject overrides) {
    SidecarConfig config = config(redis, prefix, instanceId, overrides);
    return Sidecar.start(config, redis.url());
  }

  /**
   * Starts a sidecar against the Redis at {@code redisUrl} without waiting; {@code overrides} may
   * set {@code redis.mode} and the rest.
   */
  public static Future<Sidecar> begin(String redisUrl, String prefix, String instanceId, JsonObject overrides) {
    return Sidecar.start(config(redisUrl, prefix, instanceId, overrides), redisUrl);
  }

  /** Wraps a sidecar started with {@link #begin}. */
  public static TestSidecar of(Sidecar sidecar) {
    return new TestSidecar(sidecar);
  }

  public ConnStateClient client() {
    return client;
  }

  public Sidecar sidecar() {
    return sidecar;
  }

  public RedisKeys keys() {
    return new RedisKeys(sidecar.config().keyPrefix());
  }

  public int bridgePort() {
    return sidecar.bridgePort();
  }

  @Override
  public void close() {
    Await.result(sidecar.stop());
  }
}
