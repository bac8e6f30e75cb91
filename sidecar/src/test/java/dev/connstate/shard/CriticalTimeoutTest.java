package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.model.EventType;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("A critical change Redis does not confirm within criticalTimeoutMs is answered 503")
class CriticalTimeoutTest {
  private static final JsonObject FAST = new JsonObject().put("criticalTimeoutMs", 150);

  @Test
  @DisplayName("while Redis is unreachable: 503 'not stored', and the abandoned change is never sent")
  void unreachable(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, FAST).onComplete(test.succeeding(f -> {
      f.store.down();
      f.run(register(42)).transform(ar -> {
        test.verify(() -> {
          CommandFailure failure = unavailable(ar);
          assertThat(failure.getMessage()).contains("register of handle 42 was not stored")
              .contains("no connection within 150 ms");
          assertThat(f.counter(MetricNames.REDIS_WRITE_FAILURES, "path", MetricNames.PATH_CRITICAL,
              "reason", MetricNames.REASON_UNAVAILABLE)).isEqualTo(1);
        });
        f.store.up();
        return f.run(register(7));
      }).onComplete(test.succeeding(later -> test.verify(() -> {
        assertThat(f.store.sent()).as("the abandoned register never left").containsExactly("r 7");
        assertThat(f.store.record(42)).isNull();
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("when Redis got it but did not answer: 503 'may still be stored'; the late change shows once its event arrives")
  void sentNoAnswer(Vertx vertx, VertxTestContext test) {
    Promise<JsonObject> boundEvent = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      if (EventType.BOUND.wire().equals(m.body().getString("type"))) {
        boundEvent.tryComplete(m.body());
      }
    });
    ShardFixture.deploy(vertx, FAST).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.hold();
      return f.run(bind(42, "#5"));
    }).transform(ar -> {
      test.verify(() -> {
        CommandFailure failure = unavailable(ar);
        assertThat(failure.getMessage()).contains("did not confirm the bind of handle 42 within 150 ms")
            .contains("may still be stored");
        assertThat(f.counter(MetricNames.REDIS_WRITE_FAILURES, "path", MetricNames.PATH_CRITICAL,
            "reason", MetricNames.REASON_TIMEOUT)).isEqualTo(1);
      });
      return f.run(get(42));
    }).compose(before -> {
      test.verify(() -> assertThat(before.getString("state")).as("not acknowledged, not shown").isEqualTo("Connected"));
      f.store.release();
      return boundEvent.future();
    }).compose(event -> f.run(get(42))).onComplete(test.succeeding(after -> test.verify(() -> {
      assertThat(after.getString("state")).isEqualTo("LoggedIn");
      assertThat(after.getLong("version")).isEqualTo(2);
      test.completeNow();
    })))));
  }

  @Test
  @DisplayName("a command waiting behind the change that timed out runs after the 503, in order")
  void waitingRunsAfter(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, FAST).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.hold();
      Future<JsonObject> bound = f.run(bind(42, "#5"));
      Future<JsonObject> read = f.run(get(42));
      return bound.transform(ar -> {
        test.verify(() -> assertThat(read.isComplete()).as("the get waits for the bind's answer").isFalse());
        return read;
      });
    }).onComplete(test.succeeding(read -> test.verify(() -> {
      assertThat(read.getString("state")).isEqualTo("Connected");
      test.completeNow();
    })))));
  }

  @Test
  @DisplayName("a change Redis stored but too few replicas confirmed is answered 503 'not acknowledged', and is not shown")
  void replicasMissing(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, FAST).onComplete(test.succeeding(f -> f.run(register(42)).compose(r -> {
      f.store.replicasMissing();
      f.store.holdEvents();
      return f.run(bind(42, "#5"));
    }).transform(ar -> {
      test.verify(() -> {
        CommandFailure failure = unavailable(ar);
        assertThat(failure.getMessage()).contains("Redis stored the bind of handle 42, but only 0 of 1 replicas")
            .contains("not acknowledged").contains("retrying is safe");
        assertThat(f.counter(MetricNames.REDIS_WRITE_FAILURES, "path", MetricNames.PATH_CRITICAL,
            "reason", MetricNames.REASON_REPLICAS)).isEqualTo(1);
      });
      return f.run(get(42));
    }).compose(shown -> {
      test.verify(() -> assertThat(shown.getString("state")).as("the unacknowledged bind is not shown")
          .isEqualTo("Connected"));
      f.store.releaseEvents();
      return f.settled().compose(v -> f.run(get(42)));
    }).onComplete(test.succeeding(later -> test.verify(() -> {
      assertThat(later.getString("state")).as("what Redis holds shows once its event arrives").isEqualTo("LoggedIn");
      test.completeNow();
    })))));
  }

  private static CommandFailure unavailable(AsyncResult<?> ar) {
    assertThat(ar.failed()).as("answered with a failure").isTrue();
    assertThat(ar.cause()).isInstanceOf(CommandFailure.class);
    CommandFailure failure = (CommandFailure) ar.cause();
    assertThat(failure.code()).isEqualTo(FailureCode.UNAVAILABLE);
    return failure;
  }
}
