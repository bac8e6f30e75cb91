package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
@DisplayName("A resync after a lost subscription")
class ReloaderTest {

  @Test
  @DisplayName("that fails is retried with backoff until it succeeds; meanwhile events are known missing, after it not")
  void retriedUntilItSucceeds(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).compose(f -> f.run(register(1)).map(f)).onComplete(test.succeeding(f -> {
      Metrics metrics = new Metrics(f.registry);
      Shards shards = new Shards(List.of(f.shard), f.totals, JsonObject::new, 1 << 20);
      Reloader reloader = new Reloader(vertx, shards, f.totals, 100, new Backoff(10, 40), metrics,
          new RateLimitedLog(LoggerFactory.getLogger("dev.connstate.problems"), 5_000));
      assertThat(reloader.eventsState().getBoolean("missing")).isFalse();
      f.store.failNext(3);
      reloader.resync();
      test.verify(() -> assertThat(reloader.eventsState().getBoolean("missing")).isTrue());
      vertx.setPeriodic(5, id -> {
        if (!reloader.eventsState().getBoolean("missing")) {
          vertx.cancelTimer(id);
          test.verify(() -> {
            assertThat(f.counter(MetricNames.RESYNC_FAILURES)).as("failed runs, each retried").isBetween(1.0, 3.0);
            assertThat(f.registry.get(MetricNames.EVENTS_MISSING).gauge().value()).isZero();
            assertThat(reloader.eventsState().containsKey("failedResyncs")).isFalse();
          });
          test.completeNow();
        }
      });
    }));
  }
}
