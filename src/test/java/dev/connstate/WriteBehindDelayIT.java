package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code writeBehindDelayMs}: write-behind changes of one handle made within the delay reach
 * Redis as one versioned change, and a critical change never waits behind them.
 */
@DisplayName("Write-behind delay")
class WriteBehindDelayIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  /** Long enough that the five updates below always land inside it, however slow the machine. */
  private static final JsonObject LONG_DELAY = new JsonObject().put("writeBehindDelayMs", 2_000);

  private static List<ConnectionEvent> listen(ConnStateClient client, long handle, List<MessageConsumer<?>> keep) {
    List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = client.events(e -> {
      if (e.handle() == handle) {
        events.add(e);
      }
    });
    Await.result(consumer.completion());
    keep.add(consumer);
    return events;
  }

  @Test
  @DisplayName("updates and touches within the delay are stored as one change: one version, one event, "
      + "every key")
  void mergesWithinTheDelay() {
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("wb-delay"), "wb-delay", LONG_DELAY)) {
      ConnStateClient client = sidecar.client();
      long handle = 71;
      List<MessageConsumer<?>> consumers = new ArrayList<>();
      List<ConnectionEvent> events = listen(client, handle, consumers);
      Await.result(client.register(handle, "10.0.0.1:1", "host", "telnet"));
      // the register event travels through Redis and may arrive after the reply
      Await.until("the registered event", Await.DEFAULT, () -> events.size() == 1);

      List<Future<?>> replies = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        replies.add(client.update(handle, Map.of("K" + i, "v" + i)));
      }
      replies.add(client.touch(handle));
      Await.result(Future.all(replies));
      assertThat(Await.result(client.get(handle)).metadata()).as("the sidecar's view has them at once")
          .containsKeys("K0", "K1", "K2", "K3", "K4");

      Await.until("the merged change is stored", Await.DEFAULT, () -> events.size() >= 2);
      assertThat(events).hasSize(2);
      ConnectionEvent merged = events.get(1);
      assertThat(merged.type()).isEqualTo("updated");
      assertThat(merged.version()).isEqualTo(2);
      assertThat(merged.changes().getJsonObject("metadata").fieldNames())
          .containsExactlyInAnyOrder("K0", "K1", "K2", "K3", "K4", "LastConnectionSignal");
      Map<String, String> stored = redis.hgetall(sidecar.keys().connection(handle));
      assertThat(stored).containsEntry("version", "2").containsEntry("meta:K4", "v4");
      consumers.forEach(c -> Await.result(c.unregister()));
    }
  }

  @Test
  @DisplayName("a critical change does not wait: the handle's waiting changes are written before it, in order")
  void criticalChangeSendsWaitingChangesFirst() {
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("wb-crit"), "wb-crit", LONG_DELAY)) {
      ConnStateClient client = sidecar.client();
      long handle = 72;
      List<MessageConsumer<?>> consumers = new ArrayList<>();
      List<ConnectionEvent> events = listen(client, handle, consumers);
      Await.result(client.register(handle, "10.0.0.1:1", "host", "telnet"));
      // the register event travels through Redis and may arrive after the reply
      Await.until("the registered event", Await.DEFAULT, () -> events.size() == 1);

      Await.result(client.update(handle, Map.of("WIDTH", "132")));
      long started = System.nanoTime();
      Await.result(client.bind(handle, "#5"));
      assertThat((System.nanoTime() - started) / 1_000_000).as("bind answered without waiting out the delay")
          .isLessThan(LONG_DELAY.getLong("writeBehindDelayMs"));

      Await.until("both changes are published", Await.DEFAULT, () -> events.size() >= 3);
      assertThat(events).extracting(ConnectionEvent::type).containsExactly("registered", "updated", "bound");
      assertThat(events).extracting(ConnectionEvent::version).containsExactly(1L, 2L, 3L);
      assertThat(redis.hgetall(sidecar.keys().connection(handle))).containsEntry("meta:WIDTH", "132")
          .containsEntry("playerRef", "#5");
      consumers.forEach(c -> Await.result(c.unregister()));
    }
  }
}
