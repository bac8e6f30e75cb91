package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.Connection;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("A sidecar on a real Redis")
class SmokeIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  @Test
  @DisplayName("registers, binds and reads back a connection, and Redis holds its hash")
  void registerBindGet() {
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("smoke"), "smoke-a")) {
      Await.result(sidecar.client().register(42, "203.0.113.5:50122", "203.0.113.5:50122", "telnet"));
      Connection bound = Await.result(sidecar.client().bind(42, "#5:1700000000000"));
      assertThat(bound.state()).isEqualTo("LoggedIn");
      assertThat(bound.version()).isEqualTo(2);
      assertThat(Await.result(sidecar.client().get(42)).playerRef()).isEqualTo("#5:1700000000000");
      assertThat(redis.hgetall(sidecar.keys().connection(42))).containsEntry("state", "LoggedIn")
          .containsEntry("version", "2");
    }
  }
}
