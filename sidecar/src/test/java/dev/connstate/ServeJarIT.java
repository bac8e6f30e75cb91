package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Http;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RawBridge;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the packaged jar the way the README does: {@code java -jar target/connstate.jar serve}. */
@DisplayName("The packaged jar")
class ServeJarIT {

  @Test
  @DisplayName("without CONNSTATE_REDIS_URL serves with an embedded Redis, warns that state is not kept, "
      + "answers health and bridge commands, and stops both on SIGTERM")
  void servesWithEmbeddedRedis() throws Exception {
    int http = RedisProcess.freePort();
    int bridgePort = RedisProcess.freePort();
    try (JarProcess jar = new JarProcess(Map.of("CONNSTATE_HTTP_PORT", Integer.toString(http),
        "CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort), "CONNSTATE_INSTANCE_ID", "jar-it"))) {
      jar.awaitLine("connstate ready", 60);
      String warning = jar.awaitLine("EMBEDDED Redis", 1);
      jar.awaitLine("lives only as long as this process", 1);
      Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(warning);
      assertThat(m.find()).isTrue();
      int redisPort = Integer.parseInt(m.group(1));

      assertThat(Http.get(http, "/health/live").status()).isEqualTo(200);
      Http.Response health = Http.get(http, "/health");
      assertThat(health.status()).isEqualTo(200);
      assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("UP");

      try (RawBridge bridge = new RawBridge(bridgePort)) {
        JsonObject registered = bridge.request(Addresses.REGISTER, new JsonObject().put("handle", 1)
            .put("ipAddress", "127.0.0.1:5000").put("hostname", "localhost").put("connectionType", "telnet"));
        assertThat(registered.getJsonObject("body").getString("owner")).isEqualTo("jar-it");
        JsonObject got = bridge.request(Addresses.GET, new JsonObject().put("handle", 1));
        assertThat(got.getJsonObject("body").getString("state")).isEqualTo("Connected");
      }

      jar.terminate();
      jar.awaitExit(30);
      assertThat(jar.output()).anyMatch(l -> l.contains("connstate stopped"));
      assertThat(jar.output()).anyMatch(l -> l.contains("embedded Redis stopped"));
      assertThat(portOpen(redisPort)).as("the embedded Redis is stopped too").isFalse();
    }
  }

  @Test
  @DisplayName("refuses to start on an invalid setting, naming the variable, with exit code 2")
  void invalidConfiguration() throws Exception {
    try (JarProcess jar = new JarProcess(Map.of("CONNSTATE_BRIDGE_PORT", "seven"))) {
      assertThat(jar.awaitLine("invalid configuration", 30)).contains("CONNSTATE_BRIDGE_PORT").contains("seven");
      assertThat(jar.awaitExit(30)).isEqualTo(2);
    }
  }

  private static boolean portOpen(int port) {
    try {
      new Socket("127.0.0.1", port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
