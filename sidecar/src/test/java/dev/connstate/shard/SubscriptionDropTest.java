package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static dev.connstate.shard.ShardFixture.update;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import dev.connstate.testing.SubscriberCopy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * While a sidecar's event subscription is down, the events of every change are lost to it,
 * its own included, but its own acknowledgements still change its copy. The resync after the
 * subscription returns must tell its subscribers every change they missed (protocol §8.2a),
 * measured against what they were shown, not against that copy (issue 14, point 1).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("After a lost subscription, a resync tells subscribers every change they missed, this sidecar's own too")
class SubscriptionDropTest {

  @Test
  @DisplayName("this sidecar's own disconnect during the drop: subscribers get disconnected (resync)")
  void ownDisconnect(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(b -> f.settled()).compose(v -> {
        f.store.subscriptionDown();
        return f.run(new Command.Disconnect(42, "quit"));
      }).compose(d -> f.settled()).compose(v -> {
        f.store.subscriptionUp();
        return f.resync();
      }).compose(v -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(3)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "bound v2", "disconnected v3 resync");
        assertThat(subscriber.copy(42)).isNull();
        assertThat(f.totals.connections()).isZero();
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("disconnect and register again during the drop: registered v1 (resync), "
      + "then the new life's events apply")
  void ownDisconnectAndRegisterAgain(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(b -> f.run(update(42, "WIDTH", "120")))
          .compose(u -> f.store.sentCount(3)).compose(v -> f.settled()).compose(v -> {
            f.store.subscriptionDown();
            return f.run(new Command.Disconnect(42, "quit"));
          }).compose(d -> f.run(register(42))).compose(r -> f.settled()).compose(v -> {
            f.store.subscriptionUp();
            return f.resync();
          }).compose(v -> f.run(bind(42, "#6"))).compose(b -> f.run(ShardFixture.criticalUpdate(42, "GMCP", "on")))
          .compose(u -> f.settled()).compose(v -> Future.fromCompletionStage(subscriber.received(6)))
          .compose(v -> f.run(get(42))).onComplete(test.succeeding(shown -> test.verify(() -> {
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "bound v2", "updated v3",
                "registered v1 resync", "bound v2", "updated v3");
            assertThat(subscriber.stale()).isEmpty();
            assertThat(subscriber.version(42)).isEqualTo(3);
            assertThat(subscriber.copy(42)).isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()))
                .isEqualTo(SubscriberCopy.comparable(shown));
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("own changes during the drop come out as the difference from what subscribers were shown")
  void ownChangesAsDifference(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        f.store.subscriptionDown();
        return f.run(bind(42, "#5"));
      }).compose(b -> f.run(ShardFixture.criticalUpdate(42, "WIDTH", "132"))).compose(u -> f.run(register(43)))
          .compose(r -> f.settled()).compose(v -> {
            // the answer comes before its event is published: the event is lost while settling
            f.store.subscriptionUp();
            return f.resync();
          }).compose(v -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(3)))
          .compose(v -> rereadStale(f, subscriber)).onComplete(test.succeeding(v -> test.verify(() -> {
            List<JsonObject> resyncs = subscriber.events().stream().filter(e -> e.getBoolean("resync", false)).toList();
            assertThat(resyncs).extracting(e -> e.getLong("handle") + " " + e.getString("type") + " v"
                + e.getLong("version")).containsExactlyInAnyOrder("42 bound v3", "43 registered v1");
            JsonObject bound = resyncs.stream().filter(e -> e.getLong("handle") == 42).findFirst().orElseThrow();
            assertThat(bound.getJsonObject("changes")).as("the difference from version 1, which subscribers hold")
                .isEqualTo(new JsonObject().put("state", "LoggedIn").put("playerRef", "#5")
                    .put("metadata", new JsonObject().put("WIDTH", "132")));
            for (long h : List.of(42L, 43L)) {
              assertThat(subscriber.copy(h)).as("handle " + h)
                  .isEqualTo(SubscriberCopy.comparable(f.store.record(h).toJson()));
            }
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("other sidecars' changes during the drop still come out: updated, registered, disconnected")
  void otherSidecarsChanges(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.run(register(42)).compose(r -> f.run(register(44))).compose(r -> f.settled()).compose(v -> {
        f.store.subscriptionDown();
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        f.store.disconnectElsewhere(44, System.currentTimeMillis());
        ConnectionRecord elsewhere = ShardFixture.stored(45, 1);
        f.store.put(elsewhere);
        f.store.subscriptionUp();
        return f.resync();
      }).compose(v -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(5)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "updated v2 resync");
        assertThat(subscriber.eventsOf(44)).containsExactly("registered v1", "disconnected v2 resync");
        assertThat(subscriber.eventsOf(45)).containsExactly("registered v1 resync");
        assertThat(subscriber.copy(42)).isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()));
        assertThat(subscriber.copy(44)).isNull();
        assertThat(subscriber.copy(45)).isEqualTo(SubscriberCopy.comparable(f.store.record(45).toJson()));
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("with the subscription up, each change is published once, and a resync afterwards publishes nothing")
  void normalPathUnchanged(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.holdEvents();
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(b -> f.run(new Command.Disconnect(42, null)))
          .compose(d -> f.run(register(42))).compose(r -> f.run(ShardFixture.criticalUpdate(42, "K", "v")))
          .compose(u -> {
            // acknowledgements first, events after: the usual race between the two connections
            f.store.releaseEvents();
            return f.settled();
          }).compose(v -> f.resync()).compose(v -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(5)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "bound v2", "disconnected v3",
                "registered v1", "updated v2");
            assertThat(subscriber.copy(42)).isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()));
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("Redis went back below what subscribers were shown during the drop: registered (resync), "
      + "which a §8.3 subscriber takes whatever its version, and the next change applies")
  void historyLostBelowShown(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      ConnectionRecord[] registered = new ConnectionRecord[1];
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        registered[0] = f.store.record(42);
        return f.run(bind(42, "#5"));
      }).compose(b -> f.run(ShardFixture.criticalUpdate(42, "WIDTH", "132"))).compose(u -> f.settled()).compose(v -> {
        // a failover loses versions 2 and 3 while the subscription is down
        f.store.subscriptionDown();
        f.store.rollBack(registered[0]);
        f.store.subscriptionUp();
        return f.resync();
      }).compose(v -> f.run(bind(42, "#6"))).compose(b -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(5)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "bound v2", "updated v3",
                "registered v1 resync", "bound v2");
            assertThat(subscriber.stale()).isEmpty();
            assertThat(subscriber.copy(42)).isEqualTo(SubscriberCopy.comparable(f.store.record(42).toJson()));
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("a disconnect the resync reads before its event arrives comes out once: the late event of the "
      + "life subscribers were told is over is not published again")
  void lateRemovalAfterResync(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        // the subscription is back and the resync runs; another sidecar's disconnect reaches
        // Redis first, its event only after the resync's read (it travels on another connection)
        f.store.holdEvents();
        f.store.disconnectElsewhere(42, System.currentTimeMillis());
        return f.resync();
      }).compose(v -> f.settled()).compose(v -> {
        f.store.releaseEvents();
        return f.settled();
      }).compose(v -> f.run(register(43))).compose(r -> f.settled())
          .compose(v -> Future.fromCompletionStage(subscriber.received(3)))
          .onComplete(test.succeeding(v -> test.verify(() -> {
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "disconnected v2 resync");
            assertThat(subscriber.eventsOf(43)).as("published after the late event").containsExactly("registered v1");
            assertThat(subscriber.copy(42)).isNull();
            assertThat(f.totals.connections()).isEqualTo(1);
            test.completeNow();
          })));
    }));
  }

  /** What a §8.3 subscriber does on a version jump (a resync's is one): re-reads the handle with get. */
  private static Future<Void> rereadStale(ShardFixture f, SubscriberCopy subscriber) {
    Future<Void> all = Future.succeededFuture();
    for (long handle : subscriber.stale()) {
      all = all.compose(v -> f.run(get(handle)).transform(ar -> {
        if (ar.succeeded()) {
          subscriber.reread(handle, ar.result());
        } else if (ar.cause() instanceof CommandFailure failure && failure.code() == FailureCode.NOT_FOUND) {
          subscriber.reread(handle, null);
        } else {
          return Future.failedFuture(ar.cause());
        }
        return Future.succeededFuture();
      }));
    }
    return all;
  }
}
