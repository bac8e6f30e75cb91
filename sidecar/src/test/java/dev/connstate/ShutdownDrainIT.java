package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** SIGTERM with changes acknowledged but not yet stored. */
@DisplayName("A sidecar stopped with SIGTERM")
class ShutdownDrainIT {
  static final int HANDLES = 20;

  private static Map<String, String> env(TestRedis redis, String prefix, int bridgePort, long drainMs) {
    Map<String, String> env = new HashMap<>();
    env.put("CONNSTATE_REDIS_URL", redis.url());
    env.put("CONNSTATE_KEY_PREFIX", prefix);
    env.put("CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort));
    env.put("CONNSTATE_HTTP_PORT", Integer.toString(RedisProcess.freePort()));
    env.put("CONNSTATE_INSTANCE_ID", "drain-it");
    env.put("CONNSTATE_SHUTDOWN_DRAIN_MS", Long.toString(drainMs));
    return env;
  }

  private static void registerAndUpdate(RawBridge bridge, Runnable between) {
    for (long h = 1; h <= HANDLES; h++) {
      assertThat(bridge.request(Addresses.REGISTER, new JsonObject().put("handle", h).put("ipAddress", "10.0.0.1:" + h)
          .put("hostname", "h").put("connectionType", "telnet")).getString("type")).isEqualTo("message");
    }
    between.run();
    List<String> replies = new ArrayList<>();
    for (long h = 1; h <= HANDLES; h++) {
      replies.add(bridge.send(Addresses.UPDATE, new JsonObject().put("handle", h)
          .put("metadata", new JsonObject().put("AT_EXIT", "v" + h))));
    }
    for (String reply : replies) {
      assertThat(bridge.awaitReply(reply).getJsonObject("body").getBoolean("persisted")).isFalse();
    }
  }

  @Test
  @DisplayName("stores its pending writes before it exits (Redis slow but alive), and says so")
  void flushesPendingWrites() throws Exception {
    try (TestRedis redis = TestRedis.start()) {
      String prefix = TestSidecar.newPrefix("drain");
      int bridgePort = RedisProcess.freePort();
      try (JarProcess jar = new JarProcess(env(redis, prefix, bridgePort, 10_000))) {
        jar.awaitLine("connstate ready", 60);
        try (RawBridge bridge = new RawBridge(bridgePort)) {
          // writes stall for 1.5 s, so the updates are still pending when SIGTERM arrives
          registerAndUpdate(bridge, () -> redis.call("CLIENT", "PAUSE", 1500, "WRITE"));
        }
        jar.terminate();
        jar.awaitExit(30);
        assertThat(jar.output()).anyMatch(l -> l.contains("every acknowledged change is stored in Redis"));
      }
      for (long h = 1; h <= HANDLES; h++) {
        assertThat(redis.hgetall(prefix + "conn:{" + h + "}")).containsEntry("meta:AT_EXIT", "v" + h);
      }
    }
  }

  @Test
  @DisplayName("when Redis is down longer than shutdownDrainMs, logs every change it could not store, then exits")
  void reportsWhatItCouldNotStore() throws Exception {
    try (TestRedis redis = TestRedis.start()) {
      String prefix = TestSidecar.newPrefix("drain-lost");
      int bridgePort = RedisProcess.freePort();
      try (JarProcess jar = new JarProcess(env(redis, prefix, bridgePort, 500))) {
        jar.awaitLine("connstate ready", 60);
        try (RawBridge bridge = new RawBridge(bridgePort)) {
          registerAndUpdate(bridge, redis::kill);
        }
        jar.terminate();
        jar.awaitExit(30);
        String report = jar.output().stream().filter(l -> l.contains("did not confirm within 500 ms")).findFirst()
            .orElseThrow(() -> new AssertionError("no shutdown report in:\n" + String.join("\n", jar.output())));
        assertThat(report).contains("ERROR").contains(HANDLES + " connections").contains("not sent [meta:AT_EXIT]");
      }
    }
  }
}
