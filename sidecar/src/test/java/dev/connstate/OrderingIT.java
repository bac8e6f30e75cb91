package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Per-handle ordering")
class OrderingIT {
  static final int UPDATES = 10_000;
  static final String KEY = "COUNTER";
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  @Test
  @DisplayName("10,000 successive updates of one key from one event-bus client leave the last value, "
      + "and event versions rise by one with no gap or duplicate")
  void eventBusClient() throws Exception {
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("order-eb"), "order-eb")) {
      ConnStateClient client = sidecar.client();
      long handle = 7;
      Await.result(client.register(handle, "10.0.0.1:1", "host", "telnet"));
      EventLog events = EventLog.listen(client, handle, String.valueOf(UPDATES - 1));

      List<Future<?>> replies = new ArrayList<>(UPDATES);
      for (int i = 0; i < UPDATES; i++) {
        replies.add(client.update(handle, Map.of(KEY, Integer.toString(i))));
      }
      Await.result(Future.all(replies));

      events.awaitLastValue();
      assertThat(Await.result(client.get(handle)).metadata()).containsEntry(KEY, Integer.toString(UPDATES - 1));
      assertThat(redis.hgetall(sidecar.keys().connection(handle))).containsEntry("meta:" + KEY,
          Integer.toString(UPDATES - 1));
      events.assertContiguousFrom(1);
      assertThat(redis.hgetall(sidecar.keys().connection(handle)).get("version"))
          .isEqualTo(Long.toString(events.lastVersion()));
    }
  }

  @Test
  @DisplayName("10,000 pipelined updates of one key from one bridge socket leave the last value, "
      + "and event versions rise by one with no gap or duplicate")
  void bridgeClient() throws Exception {
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("order-br"), "order-br");
         RawBridge bridge = new RawBridge(sidecar.bridgePort())) {
      long handle = 8;
      assertThat(bridge.request(Addresses.REGISTER, new JsonObject().put("handle", handle)
          .put("ipAddress", "10.0.0.1:1").put("hostname", "host").put("connectionType", "telnet"))
          .getString("type")).isEqualTo("message");
      EventLog events = EventLog.listen(sidecar.client(), handle, String.valueOf(UPDATES - 1));

      List<String> replyAddresses = new ArrayList<>(UPDATES);
      for (int i = 0; i < UPDATES; i++) {
        replyAddresses.add(bridge.send(Addresses.UPDATE, new JsonObject().put("handle", handle)
            .put("metadata", new JsonObject().put(KEY, Integer.toString(i)))));
      }
      for (String replyAddress : replyAddresses) {
        JsonObject reply = bridge.awaitReply(replyAddress);
        assertThat(reply.getString("type")).as("reply to %s: %s", replyAddress, reply).isEqualTo("message");
      }

      events.awaitLastValue();
      assertThat(Await.result(sidecar.client().get(handle)).metadata()).containsEntry(KEY,
          Integer.toString(UPDATES - 1));
      assertThat(redis.hgetall(sidecar.keys().connection(handle))).containsEntry("meta:" + KEY,
          Integer.toString(UPDATES - 1));
      events.assertContiguousFrom(1);
    }
  }

  /** The change events of one handle, in arrival order, from connstate.events. */
  static final class EventLog {
    final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> lastValueSeen = new CompletableFuture<>();
    EventSubscription consumer;

    static EventLog listen(ConnStateClient client, long handle, String lastValue) {
      EventLog log = new EventLog();
      log.consumer = client.rawEvents(e -> {
        if (e.handle() != handle) {
          return;
        }
        log.events.add(e);
        JsonObject meta = e.changes().getJsonObject("metadata");
        if (meta != null && lastValue.equals(meta.getString(KEY))) {
          log.lastValueSeen.complete(null);
        }
      });
      Await.result(log.consumer.ready());
      return log;
    }

    void awaitLastValue() throws Exception {
      lastValueSeen.get(30, TimeUnit.SECONDS);
      Await.result(consumer.unregister());
    }

    long lastVersion() {
      return events.get(events.size() - 1).version();
    }

    /** Versions (including the registered event if seen) rise by exactly one. */
    void assertContiguousFrom(long first) {
      List<Long> versions = events.stream().map(ConnectionEvent::version).toList();
      assertThat(versions).isNotEmpty();
      long expected = versions.get(0);
      assertThat(expected).isGreaterThanOrEqualTo(first);
      for (long v : versions) {
        assertThat(v).as("versions %s", versions.size() > 50 ? versions.subList(0, 50) + "…" : versions)
            .isEqualTo(expected++);
      }
    }
  }
}
