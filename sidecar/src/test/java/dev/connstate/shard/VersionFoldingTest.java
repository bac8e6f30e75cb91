package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.bind;
import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis's acknowledgement of a change and the change's event travel on different connections,
 * so they arrive in either order. Folding by version makes the result the same either way, and
 * every change is published on connstate.events exactly once.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Acknowledgements and events fold by version, whichever arrives first")
class VersionFoldingTest {

  @Test
  @DisplayName("acknowledgements first: the view shows each change at once; the late events add nothing and are published once")
  void acknowledgementsFirst(Vertx vertx, VertxTestContext test) {
    List<String> published = published(vertx, test.checkpoint(2));
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.holdEvents();
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(bound -> {
        test.verify(() -> {
          assertThat(bound.getString("state")).isEqualTo("LoggedIn");
          assertThat(bound.getLong("version")).isEqualTo(2);
          assertThat(published).as("nothing is published before its event").isEmpty();
        });
        f.store.releaseEvents();
        return f.settled();
      }).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown -> test.verify(() -> {
        assertThat(shown.getString("state")).isEqualTo("LoggedIn");
        assertThat(shown.getLong("version")).isEqualTo(2);
      })));
    }));
  }

  @Test
  @DisplayName("events first: the same state, and each change published once")
  void eventsFirst(Vertx vertx, VertxTestContext test) {
    List<String> published = published(vertx, test.checkpoint(2));
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.eventsBeforeAnswers();
      f.run(register(42)).compose(r -> f.run(bind(42, "#5"))).compose(bound -> {
        test.verify(() -> assertThat(bound.getLong("version")).isEqualTo(2));
        return f.run(get(42));
      }).onComplete(test.succeeding(shown -> test.verify(() -> {
        assertThat(shown.getString("state")).isEqualTo("LoggedIn");
        assertThat(shown.getLong("version")).isEqualTo(2);
        assertThat(published).doesNotHaveDuplicates();
      })));
    }));
  }

  @Test
  @DisplayName("an acknowledged change that skips another sidecar's version waits for it, then committed holds both")
  void interleavedWithAnotherSidecar(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      f.store.holdEvents();
      f.run(register(42)).compose(r -> {
        f.store.updateElsewhere(42, "GMCP", "on", System.currentTimeMillis());
        return f.run(bind(42, "#5"));
      }).compose(bound -> {
        test.verify(() -> {
          assertThat(bound.getLong("version")).as("Redis gave the bind version 3").isEqualTo(3);
          assertThat(bound.getJsonObject("metadata").containsKey("GMCP"))
              .as("version 2 is not known here yet").isFalse();
        });
        f.store.releaseEvents();
        return f.settled();
      }).compose(v -> f.run(get(42))).onComplete(test.succeeding(shown -> test.verify(() -> {
        assertThat(shown.getLong("version")).isEqualTo(3);
        assertThat(shown.getString("state")).isEqualTo("LoggedIn");
        assertThat(shown.getJsonObject("metadata").getString("GMCP")).isEqualTo("on");
        test.completeNow();
      })));
    }));
  }

  /** The types of events published on connstate.events; each arrival flags the checkpoint. */
  private static List<String> published(Vertx vertx, Checkpoint each) {
    List<String> types = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      types.add(m.body().getString("type") + " v" + m.body().getLong("version"));
      each.flag();
    });
    return types;
  }
}
