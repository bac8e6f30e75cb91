package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("A command for a handle this shard does not hold reads it from the store first")
class ReadThroughTest {

  @Test
  @DisplayName("a connection another sidecar just stored is read (and listed again, in case an index write was lost), "
      + "then the command runs on it")
  void found(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.put(ShardFixture.stored(7, 3));
      f.run(bind(7, "#5")).onComplete(test.succeeding(bound -> test.verify(() -> {
        assertThat(f.store.sent()).containsExactly("read 7", "relist 7", "b 7 #5");
        assertThat(bound.getLong("version")).isEqualTo(4);
        assertThat(bound.getString("owner")).isEqualTo("sidecar-b");
        assertThat(f.counter(MetricNames.REREADS, "reason", MetricNames.REREAD_MISS)).isEqualTo(1);
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("404 when the store has no such connection either")
  void notFound(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f ->
        f.run(get(8)).onComplete(test.failing(e -> test.verify(() -> {
          assertThat(((CommandFailure) e).code()).isEqualTo(FailureCode.NOT_FOUND);
          assertThat(f.store.sent()).containsExactly("read 8");
          test.completeNow();
        })))));
  }

  @Test
  @DisplayName("503 when the store cannot be read within criticalTimeoutMs")
  void unreachable(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject().put("criticalTimeoutMs", 150)).onComplete(test.succeeding(f -> {
      f.store.down();
      f.run(get(9)).onComplete(test.failing(e -> test.verify(() -> {
        assertThat(((CommandFailure) e).code()).isEqualTo(FailureCode.UNAVAILABLE);
        assertThat(e.getMessage()).contains("could not look up connection 9 within 150 ms");
        test.completeNow();
      })));
    }));
  }
}
