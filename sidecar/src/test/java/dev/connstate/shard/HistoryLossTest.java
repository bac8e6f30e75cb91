package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.Command;
import dev.connstate.testing.SubscriberCopy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A failover can take Redis back to an older version of a connection than a sidecar has seen.
 * Versions then count on from the older one, so newer events look old: a sidecar that only
 * ever takes newer versions would keep its copy forever. It takes Redis's state instead.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("After Redis lost history, a shard's copy converges to what Redis holds")
class HistoryLossTest {

  @Test
  @DisplayName("an event no newer than one already published makes the shard re-read and take Redis's state")
  void eventBehind(Vertx vertx, VertxTestContext test) {
    Promise<JsonObject> snapshot = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      if (m.body().getBoolean("resync", false)) {
        snapshot.tryComplete(m.body());
      }
    });
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      ConnectionRecord[] beforeBind = new ConnectionRecord[1];
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        beforeBind[0] = f.store.record(42);
        return f.run(bind(42, "#5"));
      }).compose(bound -> f.settled()).compose(v -> {
        // the bind (version 2) is lost in a failover; then another sidecar changes the connection,
        // and Redis gives that change version 2 again
        f.store.rollBack(beforeBind[0]);
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        return snapshot.future();
      }).compose(published -> {
        test.verify(() -> assertThat(published.getLong("version")).as("subscribers get Redis's state").isEqualTo(2));
        return f.run(get(42));
      }).onComplete(test.succeeding(shown -> test.verify(() -> {
        ConnectionRecord redis = f.store.record(42);
        assertThat(shown.getString("state")).isEqualTo(redis.state().wire()).isEqualTo("Connected");
        assertThat(shown.getLong("version")).isEqualTo(redis.version()).isEqualTo(2);
        assertThat(shown.getJsonObject("metadata").getString("GMCP")).isEqualTo("on");
        assertThat(f.counter(MetricNames.REREADS, "reason", MetricNames.REREAD_BEHIND)).isEqualTo(1);
        assertThat(f.counter(MetricNames.HISTORY_LOST)).isEqualTo(1);
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a re-read raced by a newer event is read again, not taken: no false alarm, no older snapshot published")
  void racedReadIsRepeated(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.readsSeeSendTime();
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(bound -> f.settled()).compose(v -> {
        // a re-read is sent and runs in Redis; then another sidecar changes the connection, and
        // that change's event arrives before the re-read's answer
        f.store.hold();
        f.shard.apply(behind(42));
        return f.store.sentCount(3);
      }).compose(v -> {
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        return f.settled();
      }).compose(v -> {
        f.store.release();
        return f.store.sentCount(4);
      }).compose(v -> f.settled()).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown ->
          test.verify(() -> {
            assertThat(f.counter(MetricNames.HISTORY_LOST)).as("Redis never went back").isZero();
            assertThat(shown.getLong("version")).isEqualTo(3);
            assertThat(shown.getJsonObject("metadata").getString("GMCP")).isEqualTo("on");
            assertThat(f.store.sent()).as("the raced read was read again").containsSubsequence("read 42", "read 42");
            test.completeNow();
          })));
    }));
  }

  /** An event of a version already published: what makes a shard re-read authoritatively. */
  private static dev.connstate.model.ChangeEvent behind(long handle) {
    return dev.connstate.model.ChangeEvent.parse(new JsonObject().put("type", "updated").put("handle", handle)
        .put("version", 2).put("changes", new JsonObject()).put("origin", "elsewhere")
        .put("at", System.currentTimeMillis()).encode());
  }

  @Test
  @DisplayName("a resync that finds an older version than the shard holds takes it, and later changes count on from it")
  void resyncTakesOlder(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      ConnectionRecord[] beforeBind = new ConnectionRecord[1];
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        beforeBind[0] = f.store.record(42);
        return f.run(bind(42, "#5"));
      }).compose(bound -> f.settled()).compose(v -> {
        f.store.rollBack(beforeBind[0]);
        return f.shard.resync(List.of(42L), 100);
      }).compose(v -> f.run(get(42))).compose(shown -> {
        test.verify(() -> {
          assertThat(shown.getString("state")).isEqualTo("Connected");
          assertThat(shown.getLong("version")).isEqualTo(1);
        });
        return f.run(bind(42, "#6"));
      }).compose(bound -> f.settled()).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown ->
          test.verify(() -> {
            assertThat(shown.getString("playerRef")).isEqualTo("#6");
            assertThat(shown.getLong("version")).isEqualTo(2).isEqualTo(f.store.record(42).version());
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("a resync read that this sidecar's own acknowledged change overtook is read again, not taken for "
      + "Redis going back: no false history loss, no event at a version subscribers hold")
  void resyncReadOvertakenByOwnAcknowledgement(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      Future<?>[] resynced = new Future<?>[1];
      Future<?>[] bound = new Future<?>[1];
      f.run(register(42)).compose(r -> f.run(register(43))).compose(r -> f.settled()).compose(v -> {
        // the subscription drops; this sidecar's own disconnect of 43 meanwhile leaves subscribers
        // holding it, so the resync reads it too, and finds no hash: its batch needs a second request
        f.store.subscriptionDown();
        return f.run(new Command.Disconnect(43, "quit"));
      }).compose(d -> f.settled()).compose(v -> {
        f.store.subscriptionUp();
        f.store.hold();
        resynced[0] = f.shard.resync(List.of(42L), 100);
        return f.store.sentCount(4);
      }).compose(v -> {
        // the resync's read ran in Redis (version 1); a bind sent after it is answered before
        // the batch's second request, and its event comes later still
        bound[0] = f.run(bind(42, "#5"));
        return f.store.sentCount(5);
      }).compose(v -> {
        f.store.release();
        return Future.all(resynced[0], bound[0]);
      }).compose(v -> f.settled()).compose(v -> Future.fromCompletionStage(subscriber.received(4)))
          .compose(v -> f.settled()).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown ->
              test.verify(() -> {
                assertThat(f.store.sent()).as("the batch took two requests, the bind between them")
                    .containsSubsequence("readAll [42, 43]", "b 42 #5", "readLegacy [43]");
                assertThat(f.counter(MetricNames.HISTORY_LOST)).as("Redis never went back").isZero();
                // the bind comes out once: as its own event or as the resync's, whichever is first
                assertThat(subscriber.eventsOf(42)).as("each version once, in order").hasSize(2)
                    .satisfies(events -> assertThat(events.get(0)).isEqualTo("registered v1"))
                    .satisfies(events -> assertThat(events.get(1)).startsWith("bound v2"));
                assertThat(subscriber.eventsOf(43)).containsExactly("registered v1", "disconnected v2 resync");
                assertThat(subscriber.copy(42)).isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()))
                    .isEqualTo(SubscriberCopy.comparable(shown));
                assertThat(shown.getLong("version")).isEqualTo(2);
                test.completeNow();
              })));
    }));
  }

  @Test
  @DisplayName("a resync finding the version subscribers hold with other content (a failover gave it again) "
      + "publishes registered, which a §8.3 subscriber takes, not an updated it would ignore")
  void resyncSameVersionOtherContent(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      ConnectionRecord[] beforeBind = new ConnectionRecord[1];
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        beforeBind[0] = f.store.record(42);
        return f.run(bind(42, "#5"));
      }).compose(b -> f.settled()).compose(v -> Future.fromCompletionStage(subscriber.received(2))).compose(v -> {
        // while the subscription is down, a failover loses the bind (version 2), and another
        // sidecar's change is given version 2 again
        f.store.subscriptionDown();
        f.store.rollBack(beforeBind[0]);
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        f.store.subscriptionUp();
        return f.shard.resync(List.of(42L), 100);
      }).compose(v -> f.settled()).compose(v -> Future.fromCompletionStage(subscriber.received(3)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "bound v2", "registered v2 resync");
            assertThat(f.counter(MetricNames.HISTORY_LOST)).isEqualTo(1);
            assertThat(subscriber.copy(42)).as("the subscriber holds what Redis holds")
                .isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()));
            test.completeNow();
          })));
    }));
  }
}
