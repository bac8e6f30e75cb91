package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import dev.connstate.testing.SubscriberCopy;
import io.vertx.core.AsyncResult;
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
 * A read travels on the shard's connection, events on the subscription's: another sidecar's
 * disconnect can run in Redis after a read and have its event arrive before the read's answer.
 * Such a read shows a connection that is gone, and nothing will remove it again if it is taken:
 * the sidecar would answer it for good (issue 14: seen after a Sentinel failover in FailoverIT
 * and in RandomFaultsIT seed 99, a resync's read). Every read whose answer is taken into the
 * shard's copy (resync, re-read after a gap, read-through for a command) is read again instead.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A read that a removal's event overtakes never brings the connection back")
class OvertakenReadTest {

  @Test
  @DisplayName("a resync's read: read again, gone; subscribers get the removal once")
  void resyncRead(Vertx vertx, VertxTestContext test) {
    SubscriberCopy subscriber = ShardFixture.subscriber(vertx);
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      Promise<Void> resynced = Promise.promise();
      f.store.readsSeeSendTime();
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        f.store.hold();
        int sent = f.store.sent().size();
        f.shard.resync(List.of(42L), 100).onComplete(resynced);
        return f.store.sentCount(sent + 1);
      }).compose(v -> {
        f.store.disconnectElsewhere(42, System.currentTimeMillis());
        return Future.fromCompletionStage(subscriber.received(2));
      }).compose(v -> f.settled()).compose(v -> {
        f.store.release();
        return resynced.future();
      }).compose(v -> f.settled()).compose(v -> outcome(f.run(get(42))))
          .onComplete(test.succeeding(shown -> test.verify(() -> {
            assertNotFound(shown);
            assertThat(subscriber.eventsOf(42)).containsExactly("registered v1", "disconnected v2");
            assertThat(subscriber.copy(42)).isNull();
            assertThat(f.totals.connections()).isZero();
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("a command's read-through of a connection this shard does not hold: read again, 404")
  void readThrough(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      Promise<AsyncResult<JsonObject>> looked = Promise.promise();
      f.store.readsSeeSendTime();
      // registered by another sidecar, its event not here yet
      f.store.put(ShardFixture.stored(42, 1));
      f.store.hold();
      int sent = f.store.sent().size();
      outcome(f.run(get(42))).onComplete(ar -> looked.complete(ar.result()));
      f.store.sentCount(sent + 1).compose(v -> {
        f.store.disconnectElsewhere(42, System.currentTimeMillis());
        return f.settled();
      }).compose(v -> {
        f.store.release();
        return looked.future();
      }).compose(first -> outcome(f.run(get(42))).map(second -> List.of(first, second)))
          .onComplete(test.succeeding(answers -> test.verify(() -> {
            assertNotFound(answers.get(0));
            assertNotFound(answers.get(1));
            assertThat(f.totals.connections()).isZero();
            assertThat(f.counter(MetricNames.REREADS, "reason", MetricNames.REREAD_OVERTAKEN)).isEqualTo(1);
            test.completeNow();
          })));
    }));
  }

  @Test
  @DisplayName("a re-read after a version gap: read again, gone")
  void gapReread(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      int[] sent = new int[1];
      f.store.readsSeeSendTime();
      f.run(register(42)).compose(r -> f.settled()).compose(v -> {
        // version 2's event is lost: version 3's makes the shard re-read, and that read's answer is held
        f.store.subscriptionDown();
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        f.store.subscriptionUp();
        f.store.hold();
        sent[0] = f.store.sent().size();
        f.store.updateElsewhere(42, "WIDTH", "100", System.currentTimeMillis());
        return f.store.sentCount(sent[0] + 1);
      }).compose(v -> {
        f.store.disconnectElsewhere(42, System.currentTimeMillis());
        return f.settled();
      }).compose(v -> {
        f.store.release();
        // the held re-read, then the one that replaces it
        return f.store.sentCount(sent[0] + 2);
      }).compose(v -> f.settled()).compose(v -> outcome(f.run(get(42))))
          .onComplete(test.succeeding(shown -> test.verify(() -> {
            assertNotFound(shown);
            assertThat(f.totals.connections()).isZero();
            assertThat(f.counter(MetricNames.REREADS, "reason", MetricNames.REREAD_OVERTAKEN)).isEqualTo(1);
            test.completeNow();
          })));
    }));
  }

  private static Future<AsyncResult<JsonObject>> outcome(Future<JsonObject> command) {
    return command.transform(Future::succeededFuture);
  }

  private static void assertNotFound(AsyncResult<JsonObject> answer) {
    assertThat(answer.failed()).as("answered %s", answer.succeeded() ? answer.result() : null).isTrue();
    assertThat(answer.cause()).isInstanceOf(CommandFailure.class);
    assertThat(((CommandFailure) answer.cause()).code()).isEqualTo(FailureCode.NOT_FOUND);
  }
}
