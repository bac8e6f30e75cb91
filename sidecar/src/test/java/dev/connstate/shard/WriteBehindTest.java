package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static dev.connstate.shard.ShardFixture.update;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Write-behind changes are acknowledged at once, merged per handle, and never lost to a failed write")
class WriteBehindTest {
  private static final JsonObject AT_ONCE = new JsonObject().put("writeBehindDelayMs", 0);

  @Test
  @DisplayName("changes made while a write is in flight merge into one pending write; the last value of a key wins")
  void mergeWhileInFlight(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, AT_ONCE).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.hold();
      return Future.all(f.run(update(42, "A", "1")), f.run(update(42, "B", "2")), f.run(update(42, "A", "3")));
    }).compose(acks -> {
      test.verify(() -> {
        assertThat(f.store.sent()).as("one write in flight per handle").containsExactly("r 42", "m 42 {meta:A=1}");
        assertThat(f.counter(MetricNames.WRITES_COALESCED)).isEqualTo(1);
      });
      f.store.release();
      return f.store.sentCount(3);
    }).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown -> test.verify(() -> {
      assertThat(f.store.sent()).containsExactly("r 42", "m 42 {meta:A=1}", "m 42 {meta:B=2, meta:A=3}");
      assertThat(shown.getJsonObject("metadata").getString("A")).isEqualTo("3");
      assertThat(shown.getJsonObject("metadata").getString("B")).isEqualTo("2");
      test.completeNow();
    })))));
  }

  @Test
  @DisplayName("changes of one handle within writeBehindDelayMs travel in one write")
  void mergeWithinDelay(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject().put("writeBehindDelayMs", 50)).onComplete(test.succeeding(f ->
        f.run(register(42))
            .compose(r -> Future.all(f.run(update(42, "A", "1")), f.run(update(42, "B", "2"))))
            .compose(acks -> f.store.sentCount(2))
            .onComplete(test.succeeding(v -> test.verify(() -> {
              assertThat(f.store.sent()).containsExactly("r 42", "m 42 {meta:A=1, meta:B=2}");
              test.completeNow();
            })))));
  }

  @Test
  @DisplayName("a failed write is retried after backoff, carrying the changes made meanwhile, and is counted")
  void retry(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, AT_ONCE).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.hold();
      return Future.all(f.run(update(42, "A", "1")), f.run(update(42, "B", "2")));
    }).compose(acks -> {
      f.store.failNext(1);
      f.store.release();
      return f.store.sentCount(3);
    }).onComplete(test.succeeding(v -> test.verify(() -> {
      assertThat(f.store.sent()).containsExactly("r 42", "m 42 {meta:A=1}", "m 42 {meta:A=1, meta:B=2}");
      assertThat(f.counter(MetricNames.REDIS_WRITE_RETRIES)).isEqualTo(1);
      assertThat(f.counter(MetricNames.REDIS_WRITE_FAILURES, "path", MetricNames.PATH_WRITE_BEHIND,
          "reason", MetricNames.REASON_CONNECTION)).isEqualTo(1);
      test.completeNow();
    })))));
  }

  @Test
  @DisplayName("writes waiting for a retry leave at once when the connection is restored")
  void retryOnRestore(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, AT_ONCE).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.failNext(1);
      return f.run(update(42, "A", "1"));
    }).compose(ack -> f.store.sentCount(2)).compose(v -> {
      f.store.down();
      f.store.up();
      return f.store.sentCount(3);
    }).onComplete(test.succeeding(v -> test.verify(() -> {
      assertThat(f.store.sent()).containsExactly("r 42", "m 42 {meta:A=1}", "m 42 {meta:A=1}");
      assertThat(f.store.record(42).metadata("A")).isEqualTo("1");
      test.completeNow();
    })))));
  }

  @Test
  @DisplayName("beyond maxPendingHandles a change to another handle is refused with 503 and changes nothing")
  void backlogBound(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, AT_ONCE.copy().put("maxPendingHandles", 1)).onComplete(test.succeeding(f ->
        Future.all(f.run(register(1)), f.run(register(2))).compose(r -> {
          f.store.hold();
          return f.run(update(1, "A", "1"));
        }).compose(first -> {
          test.verify(() -> assertThat(f.totals.pendingHandles()).isEqualTo(1));
          return f.run(update(2, "A", "1")).transform(ar -> {
            test.verify(() -> {
              assertThat(ar.failed()).isTrue();
              CommandFailure failure = (CommandFailure) ar.cause();
              assertThat(failure.code()).isEqualTo(FailureCode.UNAVAILABLE);
              assertThat(failure.getMessage()).contains("backlog is full");
              assertThat(f.counter(MetricNames.WRITES_REJECTED, "reason", MetricNames.REJECTED_BACKLOG_FULL))
                  .isEqualTo(1);
            });
            return f.run(update(1, "B", "2")).compose(v -> f.run(get(2)));
          });
        }).onComplete(test.succeeding(second -> test.verify(() -> {
          assertThat(second.getJsonObject("metadata").containsKey("A")).as("the refused change is not shown")
              .isFalse();
          test.completeNow();
        })))));
  }
}
