package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.testing.Await;
import dev.connstate.testing.RedisMonitor;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the change script reaches Redis (DESIGN §4): as a Redis Function called with
 * {@code FCALL} where the server has functions (Redis 7 and later), by SHA with {@code EVALSHA}
 * where it does not (the bundled 6.2), and after the server forgot it, loaded again with the
 * waiting changes applied in their order.
 */
@DisplayName("The change script: FCALL where Redis has functions, EVALSHA where not, reloaded when forgotten")
class ScriptCallIT {
  private static final long HANDLE = 77;

  @Test
  @DisplayName("the test Redis (redis-server on PATH, else the bundled one) gets FCALL if it has functions, else EVALSHA")
  void pathRedis() {
    try (TestRedis redis = TestRedis.start()) {
      callsAsTheServerAllows(redis);
    }
  }

  @Test
  @DisplayName("the bundled redis-server 6.2, without functions, gets EVALSHA and every change still applies")
  void bundledRedis() {
    try (TestRedis redis = TestRedis.startBundled()) {
      assertThat(redis.majorVersion()).as("the bundled binary").isLessThan(7);
      callsAsTheServerAllows(redis);
    }
  }

  private static void callsAsTheServerAllows(TestRedis redis) {
    String expected = redis.majorVersion() >= 7 ? "FCALL" : "EVALSHA";
    String prefix = TestSidecar.newPrefix("calls");
    try (RedisMonitor monitor = RedisMonitor.start(redis.port());
         TestSidecar sidecar = TestSidecar.start(redis, prefix, "calls-a", new JsonObject())) {
      Await.result(sidecar.client().register(HANDLE, "203.0.113.7:1", "calls", "telnet"));
      Await.result(sidecar.client().updateCritical(HANDLE, Map.of("WIDTH", "80")));
      String connection = sidecar.keys().connection(HANDLE);
      // MONITOR's stream is read by a thread of its own: wait for the second call to be in it
      int last = monitor.awaitFrom(0, "the critical update's call", c -> !c.fromScript()
          && c.args().contains(connection) && c.args().contains("WIDTH"));
      // the calls that carry the connection (the owner lease has scripts of its own)
      List<String> calls = monitor.commands().subList(0, last + 1).stream()
          .filter(c -> !c.fromScript() && c.args().contains(connection)).map(RedisMonitor.Command::name).toList();
      assertThat(calls).as("the change calls on Redis %s", redis.majorVersion()).hasSize(2)
          .allMatch(expected::equals);
      assertThat(redis.hgetall(sidecar.keys().connection(HANDLE))).containsEntry("meta:WIDTH", "80");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PATH", "bundled"})
  @DisplayName("after the server forgot the script (FUNCTION FLUSH on Redis 7, SCRIPT FLUSH before) it is loaded "
      + "again and 2,000 pipelined changes apply in order")
  void reloadedWhenForgotten(String binary) {
    try (TestRedis redis = binary.equals("bundled") ? TestRedis.startBundled() : TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("forgot"), "forgot-a", new JsonObject())) {
      Await.result(sidecar.client().register(HANDLE, "203.0.113.7:1", "forgot", "telnet"));
      redis.call(redis.majorVersion() >= 7 ? "FUNCTION" : "SCRIPT", "FLUSH");
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        all.add(sidecar.client().update(HANDLE, Map.of("N", Integer.toString(i))));
        if (i == 1_000) {
          all.add(sidecar.client().bind(HANDLE, "#1"));
        }
      }
      Await.result(Future.all(all));
      Await.result(sidecar.client().updateCritical(HANDLE, Map.of("FENCE", "1")));
      Map<String, String> hash = redis.hgetall(sidecar.keys().connection(HANDLE));
      assertThat(hash).containsEntry("meta:N", "1999").containsEntry("playerRef", "#1").containsEntry("meta:FENCE", "1");
      assertThat(Await.result(sidecar.client().get(HANDLE)).version()).isEqualTo(Long.parseLong(hash.get("version")));
    }
  }
}
