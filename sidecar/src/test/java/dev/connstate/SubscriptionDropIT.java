package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.SubscriberCopy;
import dev.connstate.testing.SubscriptionCutProxy;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14, point 1: only sidecar A's event subscription is cut while A itself disconnects a
 * connection and registers another anew. Every change reaches A's subscribers after A
 * resubscribes, as protocol §8.2a promises, just as B's subscribers saw them live.
 */
@DisplayName("A sidecar whose subscription alone was cut tells its subscribers its own changes too")
class SubscriptionDropIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  SubscriptionCutProxy proxy;
  TestSidecar a;
  TestSidecar b;
  String prefix;

  @BeforeEach
  void startSidecars() {
    prefix = TestSidecar.newPrefix("subdrop");
    proxy = new SubscriptionCutProxy(redis.port());
    a = TestSidecar.of(Await.result(TestSidecar.begin(proxy.url(), prefix, "sidecar-a", new JsonObject())));
    b = TestSidecar.start(redis, prefix, "sidecar-b");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    proxy.close();
  }

  @Test
  @DisplayName("A disconnects one handle and registers another anew during the cut: A's subscribers get "
      + "disconnected and registered after it (and B's changes), and a §8.3 subscriber on each sidecar ends as "
      + "Redis holds")
  void ownChangesDuringTheCut() {
    SubscriberCopy inA = subscribe(a);
    SubscriberCopy inB = subscribe(b);
    Await.result(a.client().register(61, "10.0.0.1:61", "h61", "telnet"));
    Await.result(a.client().register(62, "10.0.0.1:62", "h62", "telnet"));
    Await.result(a.client().bind(62, "#62"));
    Await.result(a.client().updateCritical(62, Map.of("WIDTH", "120")));
    Await.until("both sidecars published the first changes", Duration.ofSeconds(5),
        () -> inA.version(62) != null && inA.version(62) == 3 && inB.version(62) != null && inB.version(62) == 3);

    proxy.cut();
    Await.until("only B is subscribed", Duration.ofSeconds(5), () -> subscribers() == 1);
    Await.result(a.client().disconnect(61, "quit"));
    Await.result(a.client().disconnect(62, "quit"));
    Await.result(a.client().register(62, "10.0.0.2:62", "h62-again", "websocket"));
    // and another sidecar's changes meanwhile
    Await.result(b.client().register(63, "10.0.0.3:63", "h63", "telnet"));
    Await.result(b.client().updateCritical(63, Map.of("GMCP", "on")));
    Await.until("B saw them live", Duration.ofSeconds(5),
        () -> count(inB, 62, "registered v1") == 2 && inB.eventsOf(61).contains("disconnected v2"));
    assertThat(inA.eventsOf(61)).as("A's subscribers heard nothing during the cut").containsExactly("registered v1");

    proxy.restore();
    Await.until("A's subscribers were told after it resubscribed", Duration.ofSeconds(10),
        () -> inA.eventsOf(61).size() == 2 && inA.eventsOf(62).size() == 4 && inA.eventsOf(63).size() == 1);
    assertThat(inA.eventsOf(61)).containsExactly("registered v1", "disconnected v2 resync");
    assertThat(inA.eventsOf(62)).containsExactly("registered v1", "bound v2", "updated v3", "registered v1 resync");
    assertThat(inA.eventsOf(63)).containsExactly("registered v2 resync");
    assertThat(inB.eventsOf(61)).containsExactly("registered v1", "disconnected v2");
    assertThat(inB.eventsOf(62)).containsExactly("registered v1", "bound v2", "updated v3", "disconnected v4",
        "registered v1");

    // the new life goes on: both sidecars publish its events, and §8.3 subscribers apply them
    Await.result(a.client().bind(62, "#7"));
    Await.until("both published the bind", Duration.ofSeconds(5),
        () -> count(inA, 62, "bound v2") == 2 && count(inB, 62, "bound v2") == 2);
    for (SubscriberCopy subscriber : List.of(inA, inB)) {
      TestSidecar sidecar = subscriber == inA ? a : b;
      rereadStale(sidecar, subscriber);
      assertThat(subscriber.copy(61)).isNull();
      assertThat(subscriber.version(62)).isEqualTo(2);
      Map<String, String> stored = redis.hgetall(a.keys().connection(62));
      assertThat(stored.get("version")).isEqualTo("2");
      JsonObject copy = subscriber.copy(62);
      assertThat(copy.getString("playerRef")).isEqualTo(stored.get("playerRef")).isEqualTo("#7");
      assertThat(copy.getString("hostname")).isEqualTo(stored.get("hostname")).isEqualTo("h62-again");
      assertThat(copy.getString("connectionType")).isEqualTo("websocket");
      assertThat(copy.getJsonObject("metadata").containsKey("WIDTH")).as("the old life's metadata").isFalse();
      assertThat(copy).isEqualTo(SubscriberCopy.comparable(get(sidecar, 62)));
      assertThat(subscriber.copy(63)).isEqualTo(SubscriberCopy.comparable(get(sidecar, 63)));
      assertThat(subscriber.copy(63).getJsonObject("metadata").getString("GMCP"))
          .isEqualTo(redis.hgetall(a.keys().connection(63)).get("meta:GMCP")).isEqualTo("on");
    }
    assertThat(redis.exists(a.keys().connection(61))).isFalse();
  }

  private static long count(SubscriberCopy subscriber, long handle, String event) {
    return subscriber.eventsOf(handle).stream().filter(event::equals).count();
  }

  private long subscribers() {
    return redis.call("PUBSUB", "NUMSUB", a.keys().eventsChannel()).get(1).toLong();
  }

  private static SubscriberCopy subscribe(TestSidecar sidecar) {
    SubscriberCopy copy = new SubscriberCopy();
    EventBus bus = sidecar.sidecar().vertx().eventBus();
    Await.result(bus.<JsonObject>consumer(Addresses.EVENTS, m -> copy.accept(m.body())).completion());
    return copy;
  }

  /** What a §8.3 subscriber does after a version jump: re-reads the handle (404: drops it). */
  private static void rereadStale(TestSidecar sidecar, SubscriberCopy subscriber) {
    for (long handle : subscriber.stale()) {
      subscriber.reread(handle, get(sidecar, handle));
    }
  }

  private static JsonObject get(TestSidecar sidecar, long handle) {
    return Await.result(sidecar.sidecar().vertx().eventBus()
        .<JsonObject>request(Addresses.GET, new JsonObject().put("handle", handle)).transform(ar -> {
          if (ar.succeeded()) {
            return Future.succeededFuture(ar.result().body());
          }
          return ar.cause() instanceof ReplyException reply && reply.failureCode() == 404
              ? Future.succeededFuture(null) : Future.failedFuture(ar.cause());
        }));
  }
}
