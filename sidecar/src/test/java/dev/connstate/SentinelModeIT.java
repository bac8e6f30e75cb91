package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.config.ConfigLoader;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Await;
import dev.connstate.testing.RedisBinary;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Redis Sentinel mode (CONNSTATE_REDIS_MODE=sentinel)")
class SentinelModeIT {
  static TestRedis master;
  static RedisProcess sentinel;

  @BeforeAll
  static void start() throws Exception {
    master = TestRedis.start();
    sentinel = RedisProcess.sentinel(RedisBinary.get(), RedisProcess.freePort(), Files.createTempDirectory("connstate-sentinel"),
        "connstate-master", master.port());
    sentinel.start();
  }

  @AfterAll
  static void stop() {
    sentinel.stop();
    master.close();
  }

  private static TestSidecar start(String prefix, String instanceId) {
    String url = "redis://127.0.0.1:" + sentinel.port();
    JsonObject overrides = new JsonObject()
        .put("instanceId", instanceId).put("keyPrefix", prefix)
        // a master without replicas: none can confirm a change (FailoverIT runs a group with one)
        .put("redis", new JsonObject().put("url", url).put("mode", "sentinel").put("masterName", "connstate-master")
            .put("criticalReplicas", 0))
        .put("bridge", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    return TestSidecar.of(Await.result(Sidecar.start(new ConfigLoader().load(null, Map.of(), overrides), url)));
  }

  @Test
  @DisplayName("finds the master through the sentinel, stores there, and a restarted sidecar loads it back")
  void storesOnTheMasterTheSentinelNames() {
    String prefix = TestSidecar.newPrefix("sentinel");
    try (TestSidecar sidecar = start(prefix, "sentinel-a")) {
      Await.result(sidecar.client().register(5, "10.5.0.5:5", "h5", "websocket"));
      Await.result(sidecar.client().bind(5, "#55"));
      Await.result(sidecar.client().updateCritical(5, Map.of("GMCP", "1")));
      assertThat(master.hgetall(prefix + "conn:{5}")).containsEntry("playerRef", "#55").containsEntry("meta:GMCP", "1");
      assertThat(master.smembers(prefix + "player:{#55}")).containsExactly("5");
    }
    try (TestSidecar restarted = start(prefix, "sentinel-b")) {
      assertThat(Await.result(restarted.client().get(5)).metadata()).containsEntry("GMCP", "1");
    }
  }
}
