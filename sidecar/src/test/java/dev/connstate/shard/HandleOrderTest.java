package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.criticalUpdate;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static dev.connstate.shard.ShardFixture.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("A shard runs each handle's commands in the order they arrive")
class HandleOrderTest {

  @Test
  @DisplayName("commands for a handle wait while a critical change is in flight, then run in arrival order")
  void waitBehindCritical(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.hold();
      Future<JsonObject> registered = f.run(register(42));
      Future<JsonObject> bound = f.run(bind(42, "#5"));
      Future<JsonObject> updated = f.run(criticalUpdate(42, "WIDTH", "120"));
      Future<JsonObject> read = f.run(get(42));
      f.settled().compose(v -> {
        test.verify(() -> assertThat(f.store.sent()).as("only the register left while it was unanswered")
            .containsExactly("r 42"));
        f.store.release();
        return Future.all(registered, bound, updated, read);
      }).onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(f.store.sent()).containsExactly("r 42", "b 42 #5", "m 42 {meta:WIDTH=120}");
        assertThat(bound.result().getString("state")).isEqualTo("LoggedIn");
        assertThat(updated.result().getLong("version")).isEqualTo(3);
        assertThat(read.result().getJsonObject("metadata").getString("WIDTH")).isEqualTo("120");
        assertThat(read.result().getLong("version")).isEqualTo(3);
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("other handles' changes do not wait: they are pipelined behind the one in flight")
  void otherHandlesPipelined(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.hold();
      Future<JsonObject> first = f.run(register(1));
      Future<JsonObject> second = f.run(register(2));
      f.store.sentCount(2).compose(v -> {
        f.store.release();
        return Future.all(first, second);
      }).onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(f.store.sent()).containsExactly("r 1", "r 2");
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a critical change sends its handle's waiting write-behind change first, so Redis applies them in order")
  void criticalAfterPending(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject().put("writeBehindDelayMs", 10_000)).onComplete(test.succeeding(f ->
        f.run(register(42))
            .compose(r -> f.run(update(42, "WIDTH", "120")))
            .compose(reply -> {
              test.verify(() -> {
                assertThat(reply.getBoolean("persisted")).isFalse();
                assertThat(f.store.sent()).as("the update waits out writeBehindDelayMs").containsExactly("r 42");
              });
              return f.run(bind(42, "#5"));
            })
            .onComplete(test.succeeding(bound -> test.verify(() -> {
              assertThat(f.store.sent()).containsExactly("r 42", "m 42 {meta:WIDTH=120}", "b 42 #5");
              assertThat(bound.getLong("version")).isEqualTo(3);
              assertThat(f.store.record(42).metadata("WIDTH")).isEqualTo("120");
              test.completeNow();
            })))));
  }
}
