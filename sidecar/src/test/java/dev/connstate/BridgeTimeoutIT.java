package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bridge runs commands straight through the ingress, not as event-bus requests; the
 * answer a client gets when none comes in time is still protocol §7.7's TIMEOUT.
 */
@DisplayName("A bridge request not answered within bridge.requestTimeoutMs")
class BridgeTimeoutIT {

  @Test
  @DisplayName("gets an err frame with failureCode -1 and failureType TIMEOUT after requestTimeoutMs, and the "
      + "socket goes on serving")
  void timesOut() {
    try (TestRedis redis = TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("timeout"), "timeout-a",
             new JsonObject().put("criticalTimeoutMs", 4_000)
                 .put("bridge", new JsonObject().put("requestTimeoutMs", 1_000)));
         RawBridge client = new RawBridge(sidecar.bridgePort())) {
      Await.result(sidecar.client().register(5, "203.0.113.5:1", "timeout", "telnet"));
      Await.result(sidecar.client().register(6, "203.0.113.6:1", "timeout", "telnet"));
      // Redis takes no writes for 3 s: the bind waits for it longer than the bridge waits for the bind
      redis.call("CLIENT", "PAUSE", "3000", "WRITE");
      long sent = System.nanoTime();
      JsonObject answer = client.request(Addresses.BIND, new JsonObject().put("handle", 5).put("playerRef", "#1"));
      long waitedMs = (System.nanoTime() - sent) / 1_000_000;
      assertThat(answer.getString("type")).as("%s", answer).isEqualTo("err");
      assertThat(answer.getInteger("failureCode")).isEqualTo(-1);
      assertThat(answer.getString("failureType")).isEqualTo("TIMEOUT");
      assertThat(answer.getString("sourceAddress")).isEqualTo(Addresses.BIND);
      assertThat(answer.getString("message")).startsWith("Timed out after waiting 1000(ms) for a reply.");
      assertThat(waitedMs).as("answered after the timeout, not after Redis came back").isBetween(900L, 2_900L);
      // another handle's get does not wait behind handle 5's bind: the socket and the sidecar go on
      JsonObject get = client.request(Addresses.GET, new JsonObject().put("handle", 6));
      assertThat(get.getString("type")).as("%s", get).isEqualTo("message");
    }
  }
}
