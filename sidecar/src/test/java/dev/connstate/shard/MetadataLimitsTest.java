package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.criticalUpdate;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static dev.connstate.shard.ShardFixture.update;
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
@DisplayName("A connection holds at most maxMetadataKeys keys and maxMetadataBytes bytes of metadata")
class MetadataLimitsTest {
  /** Register fills five SharpMUSH keys (about 110 bytes here): room for three more keys. */
  private static final JsonObject SMALL = new JsonObject().put("limits", new JsonObject()
      .put("maxMetadataKeys", 8).put("maxMetadataBytes", 1024));

  @Test
  @DisplayName("an update that would pass the key limit is refused with 400 naming the limit; nothing changes")
  void keys(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, SMALL).onComplete(test.succeeding(f -> f.run(register(42))
        .compose(r -> f.run(update(42, "A", "1")))
        .compose(r -> f.run(update(42, "B", "2")))
        .compose(r -> f.run(update(42, "C", "3")))
        .compose(r -> f.run(update(42, "D", "4")))
        .transform(ar -> {
          test.verify(() -> {
            assertThat(ar.failed()).isTrue();
            CommandFailure failure = (CommandFailure) ar.cause();
            assertThat(failure.code()).isEqualTo(FailureCode.BAD_REQUEST);
            assertThat(failure.getMessage()).contains("9 metadata keys").contains("limits.maxMetadataKeys (8)");
            assertThat(f.counter(MetricNames.METADATA_LIMIT)).isEqualTo(1);
          });
          return f.run(update(42, "A", "changed"));
        })
        .compose(replacing -> f.run(get(42)))
        .onComplete(test.succeeding(shown -> test.verify(() -> {
          assertThat(shown.getJsonObject("metadata").containsKey("D")).isFalse();
          assertThat(shown.getJsonObject("metadata").getString("A")).as("replacing a key adds none").isEqualTo("changed");
          test.completeNow();
        })))));
  }

  @Test
  @DisplayName("a critical update that would pass the byte limit is refused before it reaches Redis")
  void bytes(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, SMALL).onComplete(test.succeeding(f -> f.run(register(42))
        .compose(r -> f.run(criticalUpdate(42, "BIG", "x".repeat(1000))))
        .onComplete(test.failing(e -> test.verify(() -> {
          assertThat(((CommandFailure) e).code()).isEqualTo(FailureCode.BAD_REQUEST);
          assertThat(e.getMessage()).contains("limits.maxMetadataBytes (1024)");
          assertThat(f.store.sent()).containsExactly("r 42");
          test.completeNow();
        })))));
  }
}
