package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.Connection;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.ops.MetricNames;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The change script and the event stream")
class EventsAndScriptIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  TestSidecar sidecar;
  String prefix;

  @BeforeEach
  void start() {
    prefix = TestSidecar.newPrefix("events");
    sidecar = TestSidecar.start(redis, prefix, "events-a");
  }

  @AfterEach
  void stop() {
    sidecar.close();
  }

  @Test
  @DisplayName("an event whose version skips ahead makes the sidecar re-read the handle from Redis, "
      + "and the event is still published")
  void reReadsOnVersionGap() throws Exception {
    long handle = 200;
    Await.result(sidecar.client().register(handle, "10.0.0.2:2", "h", "telnet"));
    String key = sidecar.keys().connection(handle);
    // changes whose events this sidecar never saw: two versions, written straight into Redis
    redis.call("HSET", key, "meta:MISSED", "yes");
    redis.call("HINCRBY", key, "version", 2);
    redis.call("HSET", key, "meta:SEEN", "yes");
    redis.call("HINCRBY", key, "version", 1);
    CompletableFuture<ConnectionEvent> republished = new CompletableFuture<>();
    EventSubscription consumer = sidecar.client().rawEvents(e -> {
      if (e.handle() == handle && e.version() == 4) {
        republished.complete(e);
      }
    });
    Await.result(consumer.ready());
    redis.call("PUBLISH", prefix + "conn:events", new JsonObject().put("type", "updated").put("handle", handle)
        .put("version", 4).put("changes", new JsonObject().put("metadata", new JsonObject().put("SEEN", "yes")))
        .put("origin", "elsewhere").put("at", System.currentTimeMillis()).encode());

    assertThat(republished.get(5, TimeUnit.SECONDS).origin()).isEqualTo("elsewhere");
    Await.until("the sidecar re-read the handle", Duration.ofSeconds(5),
        () -> "yes".equals(Await.result(sidecar.client().get(handle)).metadata().get("MISSED")));
    Connection connection = Await.result(sidecar.client().get(handle));
    assertThat(connection.version()).isEqualTo(4);
    assertThat(connection.metadata()).containsEntry("SEEN", "yes");
    assertThat(sidecar.sidecar().metrics().registry().get(MetricNames.REREADS).tag("reason", "gap").counter().count())
        .isEqualTo(1.0);
    Await.result(consumer.unregister());
  }

  @Test
  @DisplayName("an event for a handle this sidecar does not know loads it from Redis")
  void loadsUnknownHandle() {
    long handle = 300;
    String key = sidecar.keys().connection(handle);
    redis.call("HSET", key, "handle", handle, "state", "Connected", "ipAddress", "10.0.0.3:3", "hostname", "h3",
        "connectionType", "websocket", "owner", "elsewhere", "connectedAt", 1, "lastSeen", 2, "version", 3,
        "meta:GMCP", "1");
    redis.call("PUBLISH", prefix + "conn:events", new JsonObject().put("type", "updated").put("handle", handle)
        .put("version", 3).put("changes", new JsonObject().put("metadata", new JsonObject().put("GMCP", "1")))
        .put("origin", "elsewhere").put("at", 2).encode());
    Await.until("the sidecar loaded the handle", Duration.ofSeconds(5),
        () -> Await.result(sidecar.client().get(handle).map(c -> true).otherwise(false)));
    assertThat(Await.result(sidecar.client().get(handle)).metadata()).containsEntry("GMCP", "1");
  }

  @Test
  @DisplayName("a malformed message on the event channel is counted and ignored; the sidecar keeps working")
  void ignoresMalformedEvents() {
    redis.call("PUBLISH", prefix + "conn:events", "{not json");
    redis.call("PUBLISH", prefix + "conn:events", new JsonObject().put("type", "exploded").put("handle", 1).encode());
    Await.until("both counted", Duration.ofSeconds(5), () -> sidecar.sidecar().metrics().registry()
        .find(MetricNames.MALFORMED_RECORDS).tag("reason", "event").counter() != null
        && sidecar.sidecar().metrics().registry().get(MetricNames.MALFORMED_RECORDS).tag("reason", "event")
            .counter().count() == 2.0);
    Await.result(sidecar.client().register(400, "10.0.0.4:4", "h", "telnet"));
    assertThat(Await.result(sidecar.client().get(400)).state()).isEqualTo("Connected");
  }
}
