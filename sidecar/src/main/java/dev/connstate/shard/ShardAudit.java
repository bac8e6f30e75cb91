package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One shard's part of the convergence audit (DESIGN §7): compares a sample of its connections
 * with what Redis holds, and repairs each that differs by taking Redis's state.
 *
 * <p>What is compared is this shard's copy of Redis's state ({@code committed}) of connections
 * that are quiet ({@link HandleSlot#quiet}): nothing of this sidecar's own is waiting or in
 * flight for them. The reads go out on the shard's own store connection, behind every write the
 * shard sent before, so they see those writes; a change this shard sends later is still in
 * flight when a read is answered, and leaves the handle out. Another sidecar's change travels
 * as an event on another connection, so a read can see it before its event arrives: a
 * difference therefore counts only if it is still there {@code settleMs} later, read again,
 * with no event, no change and no re-read of the handle in between. Everything else that
 * changed a sampled handle while it was compared leaves it out; nothing pending is ever counted.
 */
final class ShardAudit {
  /** Reads in flight per shard: one, so that an audit never crowds the shard's connection. */
  private static final int WINDOW = 1;

  private final Vertx vertx;
  private final ShardState state;
  private final ConnectionStore store;
  private final EventApplier events;
  private final ShardEnvironment env;

  ShardAudit(Vertx vertx, ShardState state, ConnectionStore store, EventApplier events, ShardEnvironment env) {
    this.vertx = vertx;
    this.state = state;
    this.store = store;
    this.events = events;
    this.env = env;
  }

  /**
   * Compares these handles drawn from Redis's active set (this shard's among them) and up to
   * {@code fromMemory} more drawn at random from the connections this shard holds. Never fails:
   * a read that fails ends the run, and the report says so beside what was done.
   */
  Future<AuditReport> run(List<Long> fromRedis, int fromMemory, long settleMs) {
    Tally tally = new Tally();
    Map<Long, Probe> probes = new LinkedHashMap<>();
    int batchSize = env.config().redis().loadBatchSize();
    return Batches.run(sample(fromRedis, fromMemory, tally), batchSize, WINDOW, batch -> {
      // taken as the read leaves: what the copy was when Redis answers for it
      batch.forEach(handle -> probes.put(handle, Probe.of(state, handle)));
      return compareAll(batch, probes, tally, false);
    }).compose(v -> {
      if (tally.suspects.isEmpty()) {
        return Future.succeededFuture();
      }
      // a difference an event on its way explains is gone (or the handle left out) after the settle time
      List<Long> suspects = List.copyOf(tally.suspects);
      return settle(settleMs).compose(waited -> Batches.run(suspects, batchSize, WINDOW,
          batch -> compareAll(batch, probes, tally, true)));
    }).transform(ar -> {
      probes.values().forEach(probe -> state.unpin(probe.slot));
      return Future.succeededFuture(tally.report(ar.failed() ? ar.cause() : null));
    });
  }

  private Future<Void> compareAll(List<Long> batch, Map<Long, Probe> probes, Tally tally, boolean confirming) {
    return store.readAll(batch).map(results -> {
      for (int i = 0; i < batch.size(); i++) {
        compare(probes.get(batch.get(i)), results.get(i), tally, confirming);
      }
      return null;
    });
  }

  /**
   * The handles to compare: those drawn from Redis that this shard's copy does not contradict
   * being quiet, then a uniform random sample (reservoir) of its quiet connections, so that
   * over many runs every connection is audited.
   */
  private List<Long> sample(List<Long> fromRedis, int fromMemory, Tally tally) {
    Set<Long> chosen = new LinkedHashSet<>();
    for (long handle : fromRedis) {
      HandleSlot slot = state.get(handle);
      if (slot == null || slot.quiet()) {
        chosen.add(handle);
      } else {
        tally.leftOut++;
      }
    }
    List<Long> reservoir = new ArrayList<>(Math.min(fromMemory, 1024));
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int seen = 0;
    for (HandleSlot slot : state.slots()) {
      if (slot.committed == null || !slot.quiet() || chosen.contains(slot.handle)) {
        continue;
      }
      seen++;
      if (reservoir.size() < fromMemory) {
        reservoir.add(slot.handle);
      } else {
        int j = random.nextInt(seen);
        if (j < fromMemory) {
          reservoir.set(j, slot.handle);
        }
      }
    }
    chosen.addAll(reservoir);
    return new ArrayList<>(chosen);
  }

  /**
   * Compares one handle's copy with what Redis answered. The first time, a difference makes it
   * a suspect; the second time ({@code confirming}), a difference is counted and repaired.
   */
  private void compare(Probe probe, ReadResult read, Tally tally, boolean confirming) {
    if (!probe.unchanged()) {
      tally.leftOut++;
      return;
    }
    if (read.malformed() != null || read.stored() != null && read.stored().truncated()) {
      tally.leftOut++;
      if (read.malformed() != null) {
        env.problems().warn("the convergence audit left out a stored connection it cannot read",
            read.malformed().getMessage(), null);
      }
      return;
    }
    ConnectionRecord here = probe.committed;
    ConnectionRecord redis = read.stored() == null ? null : read.stored().record();
    if (here == null && redis == null) {
      // an active-set member with no connection behind it: an orphan, not a connection to compare
      return;
    }
    Divergence kind = here == null ? Divergence.MISSING_HERE : redis == null ? Divergence.MISSING_IN_REDIS
        : Divergence.fieldsDiffering(here, redis).isEmpty() ? null : Divergence.FIELD_DIFFERS;
    if (kind == null) {
      tally.compared++;
    } else if (!confirming) {
      tally.suspects.add(probe.handle);
    } else {
      tally.compared++;
      tally.found(kind, probe.handle, detail(kind, here, redis));
      events.adopt(probe.handle, read.stored());
    }
  }

  private static String detail(Divergence kind, ConnectionRecord here, ConnectionRecord redis) {
    return switch (kind) {
      case MISSING_HERE -> "none here, version " + redis.version() + " in Redis";
      case MISSING_IN_REDIS -> "version " + here.version() + " here, none in Redis";
      case FIELD_DIFFERS -> "fields " + Divergence.fieldsDiffering(here, redis) + ", version " + here.version()
          + " here, " + redis.version() + " in Redis";
    };
  }

  private Future<Void> settle(long settleMs) {
    Promise<Void> waited = Promise.promise();
    if (settleMs <= 0) {
      waited.complete();
    } else {
      vertx.setTimer(settleMs, id -> waited.complete());
    }
    return waited.future();
  }

  /**
   * What the shard's copy of one handle was when its read was sent. Whatever changes that copy
   * afterwards shows here: an event (counted per slot), the connection forgotten (its
   * generation), a new or replaced committed state (a resync, a re-read), a stored change folded
   * in (its version), or a change of this sidecar's own under way (no longer quiet). The slot is
   * pinned until the run ends ({@link ShardState#pin}): an event that removes the connection
   * cannot drop it, and its count with it, so a read the removal overtook is never adopted.
   */
  private record Probe(long handle, HandleSlot slot, ConnectionRecord committed, long version, int events,
                       int generation) {
    static Probe of(ShardState state, long handle) {
      HandleSlot slot = state.pin(handle);
      ConnectionRecord committed = slot.committed;
      return new Probe(handle, slot, committed, committed == null ? 0 : committed.version(), slot.eventCount,
          slot.generation);
    }

    boolean unchanged() {
      return slot.quiet() && slot.eventCount == events && slot.generation == generation
          && slot.committed == committed && (committed == null || committed.version() == version);
    }
  }

  /** The counts of one run on one shard, kept as it goes. */
  private static final class Tally {
    int compared;
    int leftOut;
    final Map<Divergence, Integer> divergences = new EnumMap<>(Divergence.class);
    final List<AuditReport.Example> examples = new ArrayList<>();
    final List<Long> suspects = new ArrayList<>();

    void found(Divergence kind, long handle, String detail) {
      int count = divergences.merge(kind, 1, Integer::sum);
      if (count <= AuditReport.EXAMPLES_PER_KIND) {
        examples.add(new AuditReport.Example(kind, handle, detail));
      }
    }

    AuditReport report(Throwable failure) {
      return new AuditReport(compared, divergences, leftOut, examples, failure);
    }
  }
}
