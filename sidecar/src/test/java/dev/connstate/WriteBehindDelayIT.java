package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.testing.EventLog;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code writeBehindDelayMs}: write-behind changes of one handle made within the delay reach
 * Redis as one versioned change, and a critical change never waits behind them.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Write-behind delay")
class WriteBehindDelayIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  /** Long enough that the five updates below always land inside it, however slow the machine. */
  private static final JsonObject LONG_DELAY = new JsonObject().put("writeBehindDelayMs", 2_000);

  private TestSidecar sidecar;
  private ConnStateClient client;

  @BeforeEach
  void start(TestInfo info) {
    String name = "wb-" + info.getTestMethod().orElseThrow().getName();
    sidecar = TestSidecar.start(redis, TestSidecar.newPrefix(name), name, LONG_DELAY);
    client = sidecar.client();
  }

  @AfterEach
  void stop() {
    sidecar.close();
  }

  @Test
  @DisplayName("updates and touches within the delay are stored as one change: one version, one event, "
      + "every key")
  void mergesWithinTheDelay(VertxTestContext test) throws Throwable {
    long handle = 71;
    EventLog.of(client, handle).compose(events -> client.register(handle, "10.0.0.1:1", "host", "telnet")
        // the register event travels through Redis and may arrive after the reply
        .compose(registered -> events.first(1))
        .compose(registered -> {
          List<Future<?>> replies = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            replies.add(client.update(handle, Map.of("K" + i, "v" + i)));
          }
          replies.add(client.touch(handle));
          return Future.all(replies);
        })
        .compose(acknowledged -> client.get(handle))
        .compose(view -> {
          test.verify(() -> assertThat(view.metadata()).as("the sidecar's view has them at once")
              .containsKeys("K0", "K1", "K2", "K3", "K4"));
          return events.first(2);
        })
        .eventually(events::close))
        .onComplete(test.succeeding(events -> test.verify(() -> {
          assertThat(events).hasSize(2);
          ConnectionEvent merged = events.get(1);
          assertThat(merged.type()).isEqualTo("updated");
          assertThat(merged.version()).isEqualTo(2);
          assertThat(merged.changes().getJsonObject("metadata").fieldNames())
              .containsExactlyInAnyOrder("K0", "K1", "K2", "K3", "K4", "LastConnectionSignal");
          test.completeNow();
        })));
    awaitCompletion(test);
    Map<String, String> stored = redis.hgetall(sidecar.keys().connection(handle));
    assertThat(stored).containsEntry("version", "2").containsEntry("meta:K4", "v4");
  }

  @Test
  @DisplayName("a critical change does not wait: the handle's waiting changes are written before it, in order")
  void criticalChangeSendsWaitingChangesFirst(VertxTestContext test) throws Throwable {
    long handle = 72;
    long[] bindStarted = new long[1];
    EventLog.of(client, handle).compose(events -> client.register(handle, "10.0.0.1:1", "host", "telnet")
        .compose(registered -> events.first(1))
        .compose(registered -> client.update(handle, Map.of("WIDTH", "132")))
        .compose(updated -> {
          bindStarted[0] = System.nanoTime();
          return client.bind(handle, "#5");
        })
        .compose(bound -> {
          test.verify(() -> assertThat((System.nanoTime() - bindStarted[0]) / 1_000_000)
              .as("bind answered without waiting out the delay").isLessThan(LONG_DELAY.getLong("writeBehindDelayMs")));
          return events.first(3);
        })
        .eventually(events::close))
        .onComplete(test.succeeding(events -> test.verify(() -> {
          assertThat(events).extracting(ConnectionEvent::type).containsExactly("registered", "updated", "bound");
          assertThat(events).extracting(ConnectionEvent::version).containsExactly(1L, 2L, 3L);
          test.completeNow();
        })));
    awaitCompletion(test);
    assertThat(redis.hgetall(sidecar.keys().connection(handle))).containsEntry("meta:WIDTH", "132")
        .containsEntry("playerRef", "#5");
  }

  /** Waits here, off the event loops, so that what follows may read Redis with blocking calls. */
  private static void awaitCompletion(VertxTestContext test) throws Throwable {
    assertThat(test.awaitCompletion(20, TimeUnit.SECONDS)).as("the events arrived in time").isTrue();
    if (test.failed()) {
      throw test.causeOfFailure();
    }
  }
}
