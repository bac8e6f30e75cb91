package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.boot.Sidecar;
import dev.connstate.client.Connection;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Await;
import dev.connstate.testing.Http;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("A restarted sidecar")
class RestartIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  @Test
  @DisplayName("answers get for connections written before it started, with their metadata, player and version")
  void loadsWhatWasStored() {
    String prefix = TestSidecar.newPrefix("restart");
    try (TestSidecar first = TestSidecar.start(redis, prefix, "first")) {
      for (long h = 1; h <= 300; h++) {
        Await.result(first.client().register(h, "10.1.0." + (h % 250) + ":" + h, "host" + h, "telnet"));
      }
      Await.result(first.client().bind(7, "#70:1700000000007"));
      Await.result(first.client().update(8, Map.of("WIDTH", "132")));
      Await.result(first.client().updateCritical(9, Map.of("HEIGHT", "50")));
      Await.result(first.client().disconnect(10, "quit"));
    }
    redis.call("SADD", prefix + "conn:active", "999999");

    try (TestSidecar second = TestSidecar.start(redis, prefix, "second")) {
      Connection bound = Await.result(second.client().get(7));
      assertThat(bound.playerRef()).isEqualTo("#70:1700000000007");
      assertThat(bound.owner()).isEqualTo("first");
      assertThat(bound.version()).isEqualTo(2);
      assertThat(Await.result(second.client().get(8)).metadata()).containsEntry("WIDTH", "132");
      assertThat(Await.result(second.client().get(9)).metadata()).containsEntry("HEIGHT", "50");
      assertThat(Await.failure(second.client().get(10)).failureCode()).isEqualTo(404);
      assertThat(Await.result(second.client().byPlayer("#70"))).containsExactly(7L);
      assertThat(Await.result(second.client().stats()).getLong("connections")).isEqualTo(299);
      assertThat(redis.smembers(prefix + "conn:active")).as("the orphan is removed from the active set")
          .doesNotContain("999999").hasSize(299);
    }
  }

  @Test
  @DisplayName("does not answer commands, nor listen on its bridge, before its startup load has finished")
  void notReadyBeforeLoad() throws Exception {
    String prefix = TestSidecar.newPrefix("restart-gate");
    try (TestSidecar first = TestSidecar.start(redis, prefix, "gate-first")) {
      Await.result(first.client().register(5, "10.2.0.5:5", "h5", "telnet"));
    }
    int bridgePort = RedisProcess.freePort();
    int httpPort = RedisProcess.freePort();
    JsonObject ports = new JsonObject().put("bridge", new JsonObject().put("port", bridgePort))
        .put("http", new JsonObject().put("port", httpPort).put("host", "127.0.0.1"));

    long pauseMs = 1500;
    redis.call("CLIENT", "PAUSE", pauseMs, "ALL");
    long pausedAt = System.nanoTime();
    Future<Sidecar> starting = TestSidecar.begin(redis, prefix, "gate-second", ports);

    Http.Response health = awaitHealthEndpoint(httpPort);
    assertThat(starting.isComplete()).as("still loading while Redis is paused").isFalse();
    assertThat(health.status()).isEqualTo(503);
    assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("DOWN");
    assertThatThrownBy(() -> new Socket("127.0.0.1", bridgePort).close()).isInstanceOf(ConnectException.class);

    try (TestSidecar second = TestSidecar.of(Await.result(starting))) {
      assertThat((System.nanoTime() - pausedAt) / 1_000_000).as("ready only after Redis answered the load")
          .isGreaterThanOrEqualTo(pauseMs - 100);
      assertThat(Await.result(second.client().get(5)).hostname()).isEqualTo("h5");
      new Socket("127.0.0.1", bridgePort).close();
      assertThat(Http.get(httpPort, "/health").status()).isEqualTo(200);
    }
  }

  /** The health endpoint comes up first (liveness during the load); wait for it to answer. */
  private static Http.Response awaitHealthEndpoint(int port) {
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (true) {
      try {
        return Http.get(port, "/health");
      } catch (java.io.UncheckedIOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
      }
    }
  }
}
