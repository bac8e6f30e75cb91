package dev.connstate.shard;

import static dev.connstate.shard.ShardFixture.get;
import static dev.connstate.shard.ShardFixture.register;
import static dev.connstate.shard.ShardFixture.update;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.liveness.ConvergenceAudit;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.Fields;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.store.RedisKeys;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The convergence audit (DESIGN §7) on one shard over the in-memory store: what it counts as a
 * divergence, what it leaves out, and that it repairs what it counts.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The convergence audit compares a shard's connections with the store and repairs what differs")
class ConvergenceAuditTest {
  /** Long enough for a test to act between the first read and the confirming one. */
  private static final long SETTLE_MS = 300;

  /** Deploys the audit over the fixture's one shard, its metrics on the fixture's registry. */
  private static Future<ConvergenceAudit> audit(Vertx vertx, ShardFixture f) {
    Shards shards = new Shards(List.of(f.shard), f.totals, JsonObject::new, 1 << 20);
    ConvergenceAudit audit = new ConvergenceAudit(shards, new RedisKeys("sharpmush:"), 0, 1_000, SETTLE_MS,
        new Metrics(f.registry), new RateLimitedLog(LoggerFactory.getLogger("dev.connstate.problems"), 5_000),
        () -> true);
    return vertx.deployVerticle(audit).map(id -> audit);
  }

  private static Future<Void> registered(ShardFixture f, long... handles) {
    Future<?> chain = Future.succeededFuture();
    for (long handle : handles) {
      chain = chain.compose(v -> f.run(register(handle)));
    }
    return chain.compose(v -> f.settled());
  }

  private static double ratio(ShardFixture f) {
    Gauge gauge = f.registry.find(MetricNames.AUDIT_DIVERGENCE_RATIO).gauge();
    return gauge == null ? -1 : gauge.value();
  }

  @Test
  @DisplayName("a connection with other fields, one gone from the store and one only the store holds are counted by "
      + "kind, repaired from the store and published as resync events; the next run finds nothing")
  void divergencesCountedAndRepaired(Vertx vertx, VertxTestContext test) {
    List<JsonObject> resyncs = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      if (m.body().getBoolean("resync", false)) {
        resyncs.add(m.body());
      }
    });
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      ConvergenceAudit[] audit = new ConvergenceAudit[1];
      registered(f, 1, 2, 3).compose(v -> audit(vertx, f)).compose(a -> {
        audit[0] = a;
        // behind the sidecar's back: a field changed without a version, a hash gone, a hash it never heard of
        ConnectionRecord changed = f.store.record(1);
        changed.setField(Fields.meta("WIDTH"), "132");
        f.store.put(changed);
        // and one moved on by a version this sidecar never heard of
        ConnectionRecord ahead = f.store.record(3);
        ahead.setField(Fields.meta("WIDTH"), "100");
        ahead.version(ahead.version() + 1);
        f.store.put(ahead);
        f.store.drop(2);
        f.store.put(ShardFixture.stored(4, 3));
        return a.runNow();
      }).compose(report -> {
        test.verify(() -> {
          assertThat(report.complete()).isTrue();
          assertThat(report.compared()).isEqualTo(4);
          assertThat(report.divergent(Divergence.FIELD_DIFFERS)).isEqualTo(2);
          assertThat(report.divergent(Divergence.MISSING_IN_REDIS)).isEqualTo(1);
          assertThat(report.divergent(Divergence.MISSING_HERE)).isEqualTo(1);
          assertThat(report.examples()).extracting(AuditReport.Example::handle)
              .containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
          assertThat(report.examples()).filteredOn(e -> e.handle() == 1).singleElement()
              .satisfies(e -> assertThat(e.detail()).contains("meta:WIDTH"));
          assertThat(f.counter(MetricNames.AUDIT_COMPARED)).isEqualTo(4);
          assertThat(f.counter(MetricNames.AUDIT_DIVERGENCES, "kind", MetricNames.AUDIT_FIELD_DIFFERS)).isEqualTo(2);
          assertThat(f.counter(MetricNames.AUDIT_DIVERGENCES, "kind", MetricNames.AUDIT_MISSING_IN_REDIS)).isEqualTo(1);
          assertThat(f.counter(MetricNames.AUDIT_DIVERGENCES, "kind", MetricNames.AUDIT_MISSING_HERE)).isEqualTo(1);
          assertThat(f.counter(MetricNames.AUDIT_RUNS, "outcome", MetricNames.AUDIT_OK)).isEqualTo(1);
          assertThat(ratio(f)).isEqualTo(1.0);
        });
        return Future.all(f.run(get(1)), f.run(get(4)), f.run(get(2)).map(JsonObject::encode).recover(e ->
            Future.succeededFuture(e instanceof CommandFailure c ? "failed " + c.code() : e.toString())));
      }).compose(shown -> {
        test.verify(() -> {
          JsonObject one = shown.resultAt(0);
          JsonObject four = shown.resultAt(1);
          assertThat(one.getJsonObject(Fields.METADATA).getString("WIDTH")).isEqualTo("132");
          assertThat(four).isEqualTo(f.store.record(4).toJson());
          assertThat((String) shown.resultAt(2)).isEqualTo("failed 404");
          // 1 at the version subscribers hold, with other content: only registered replaces their copy
          // (an updated at that version is ignored, protocol §8.3); 3 moved on: updated at its version
          assertThat(resyncs).extracting(e -> e.getLong(Fields.HANDLE) + " " + e.getString("type") + " v"
                  + e.getLong(Fields.VERSION))
              .containsExactlyInAnyOrder("1 registered v1", "2 disconnected v2", "3 updated v2", "4 registered v3");
        });
        return audit[0].runNow();
      }).onComplete(test.succeeding(again -> test.verify(() -> {
        assertThat(again.divergent()).as("the repairs hold").isZero();
        assertThat(again.compared()).isEqualTo(3);
        assertThat(ratio(f)).isZero();
        assertThat(f.counter(MetricNames.AUDIT_RUNS, "outcome", MetricNames.AUDIT_OK)).isEqualTo(2);
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a connection with a change still waiting to be written is left out, not counted as differing")
  void pendingLeftOut(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject().put("writeBehindDelayMs", 10_000)).onComplete(test.succeeding(f ->
        registered(f, 1, 2)
            .compose(v -> f.run(update(1, "WIDTH", "132")))
            .compose(v -> audit(vertx, f))
            .compose(ConvergenceAudit::runNow)
            .onComplete(test.succeeding(report -> test.verify(() -> {
              assertThat(f.store.record(1).metadata("WIDTH")).as("not written yet").isNull();
              assertThat(report.compared()).isEqualTo(1);
              assertThat(report.leftOut()).isEqualTo(1);
              assertThat(report.divergent()).isZero();
              assertThat(f.store.sent()).noneMatch(s -> s.startsWith("readAll") && s.contains("1,"));
              test.completeNow();
            })))));
  }

  @Test
  @DisplayName("another sidecar's change whose event arrives before the read's answer leaves the handle out")
  void eventDuringReadLeftOut(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      int[] before = new int[1];
      Future<AuditReport>[] run = new Future[1];
      registered(f, 1).compose(v -> audit(vertx, f)).compose(a -> {
        before[0] = f.store.sent().size();
        f.store.hold();
        run[0] = a.runNow();
        return f.store.sentCount(before[0] + 1);
      }).compose(v -> {
        // the sample is answered; the read that follows it is held
        f.store.release();
        f.store.hold();
        return f.store.sentCount(before[0] + 2);
      }).compose(v -> {
        f.store.updateElsewhere(1, "GMCP", "on", System.currentTimeMillis());
        return f.settled();
      }).compose(v -> {
        f.store.release();
        return run[0];
      }).onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.divergent()).isZero();
        assertThat(report.compared()).isZero();
        assertThat(report.leftOut()).isEqualTo(1);
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a change read before its event arrived is no divergence once the event comes within the settle time")
  void eventInFlightNotCounted(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f -> {
      Future<AuditReport>[] run = new Future[1];
      registered(f, 1).compose(v -> audit(vertx, f)).compose(a -> {
        f.store.holdEvents();
        f.store.updateElsewhere(1, "GMCP", "on", System.currentTimeMillis());
        int sent = f.store.sent().size();
        run[0] = a.runNow();
        // the sample, then the read, which sees the change its event has not brought yet
        return f.store.sentCount(sent + 2);
      }).compose(v -> {
        f.store.releaseEvents();
        return run[0];
      }).compose(report -> {
        test.verify(() -> {
          assertThat(report.divergent()).isZero();
          assertThat(report.leftOut()).as("the event arrived while it was compared").isEqualTo(1);
          assertThat(f.store.sent()).filteredOn(s -> s.startsWith("readAll")).as("read again to confirm").hasSize(2);
        });
        return f.run(get(1));
      }).onComplete(test.succeeding(shown -> test.verify(() -> {
        assertThat(shown.getJsonObject(Fields.METADATA).getString("GMCP")).isEqualTo("on");
        test.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a change whose event never arrives is counted once it outlasts the settle time, and repaired")
  void lostEventCounted(Vertx vertx, VertxTestContext test) {
    ShardFixture.deploy(vertx, new JsonObject()).onComplete(test.succeeding(f ->
        registered(f, 1).compose(v -> audit(vertx, f)).compose(a -> {
          f.store.holdEvents();
          f.store.updateElsewhere(1, "GMCP", "on", System.currentTimeMillis());
          return a.runNow();
        }).compose(report -> {
          test.verify(() -> {
            assertThat(report.divergent(Divergence.FIELD_DIFFERS)).isEqualTo(1);
            assertThat(report.examples()).singleElement().satisfies(e ->
                assertThat(e.detail()).contains("meta:GMCP", "version 1 here, 2 in Redis"));
          });
          return f.run(get(1));
        }).onComplete(test.succeeding(shown -> test.verify(() -> {
          assertThat(shown).isEqualTo(f.store.record(1).toJson());
          test.completeNow();
        })))));
  }
}
