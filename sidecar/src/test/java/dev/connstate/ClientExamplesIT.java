package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.BridgeClientOptions;
import dev.connstate.examples.GettingStarted;
import dev.connstate.examples.GettingStartedKotlin;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The getting-started programs of docs/client.md, in Java and in Kotlin, run over the TCP
 * bridge against a sidecar: what they print is what the document says they print.
 */
@DisplayName("docs/client.md's getting-started programs run against a sidecar")
class ClientExamplesIT {

  interface Example {
    Future<Void> run(Vertx vertx, BridgeClientOptions options, long handle, PrintStream out);
  }

  @Test
  @DisplayName("Java: events, register, bind, get, disconnect, then get is 404")
  void java() {
    assertThat(walkThrough(GettingStarted::run, 42, "#5")).isTrue();
  }

  @Test
  @DisplayName("Kotlin: the same walk-through")
  void kotlin() {
    assertThat(walkThrough(GettingStartedKotlin::run, 43, "#6")).isTrue();
  }

  private static boolean walkThrough(Example example, long handle, String player) {
    try (TestRedis redis = TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("examples"), "sidecar-a")) {
      Vertx vertx = Vertx.vertx();
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Await.result(example.run(vertx, new BridgeClientOptions().setPort(sidecar.bridgePort()), handle, out));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("bound: " + handle + " is LoggedIn as " + player)
            .contains("get: " + handle + " owned by sidecar-a")
            .contains("after disconnect, get says 404: true");
        return true;
      } finally {
        Await.result(vertx.close());
      }
    }
  }
}
