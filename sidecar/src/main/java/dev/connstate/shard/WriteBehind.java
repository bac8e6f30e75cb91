package dev.connstate.shard;

import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The write-behind path of one shard (DESIGN §5): a non-critical change is applied to the
 * view and acknowledged at once, then written. A handle has at most one such write in flight;
 * changes made meanwhile merge into one pending write (last value per field wins, a removal
 * included). A change to a handle with nothing in flight waits {@code writeBehindDelayMs} for
 * more to merge with: on a hot path, one script call then carries many updates (DESIGN §5).
 *
 * <p>A write that fails is not lost: it merges under the pending one (the later values win)
 * and is sent again, after capped, jittered exponential backoff, or at once when the shard's
 * Redis connection comes back, or when a critical change of the same handle must follow it.
 * So a handle's changes reach Redis in the order they were made. The backlog (handles with
 * unstored changes) is bounded: beyond {@code maxPendingHandles} a new change is refused with
 * 503 and counted, never dropped silently.
 *
 * <p>Writes that become due together (at the end of a delay, or as the answers of one call
 * come in) leave together, through {@link ConnectionStore#updateAll}: one script call for many
 * handles where the store allows it, at the end of the event-loop turn that made them due. A
 * critical change first sends what is queued ({@link #flushPending}), so it still follows them.
 */
final class WriteBehind {
  private static final Backoff RETRY = new Backoff(50, 5_000);

  private final Vertx vertx;
  private final ShardState state;
  private final ConnectionStore store;
  private final ShardEnvironment env;
  private final MetadataLimits limits;
  /** Handles whose pending write is a failed one waiting for its retry. */
  private final Set<HandleSlot> retrying = new LinkedHashSet<>();
  /** Handles whose pending write waits out the delay, in the order they started waiting. */
  private final Set<HandleSlot> delayed = new LinkedHashSet<>();
  private boolean delayTimerArmed;
  /** Writes due and taken out of their slots, sent together at the end of this event-loop turn. */
  private final List<Queued> queued = new ArrayList<>();
  private boolean queuedSendScheduled;

  private record Queued(HandleSlot slot, LocalWrite write, int generation) {
  }

  WriteBehind(Vertx vertx, ShardState state, ConnectionStore store, ShardEnvironment env) {
    this.vertx = vertx;
    this.state = state;
    this.store = store;
    this.env = env;
    this.limits = new MetadataLimits(env.config().limits(), env.metrics());
  }

  /** Applies {@code change} now and writes it behind; the reply says it is not yet persisted. */
  JsonObject change(HandleSlot slot, long handle, FieldChange change, long now) {
    if (slot == null || !slot.live()) {
      throw CommandFailure.notFound(handle);
    }
    limits.check(slot.view, change);
    if (slot.pending != null) {
      slot.pending.merge(change, now);
      slot.view.apply(change, now);
      env.metrics().coalesced();
    } else if (slot.writesInFlight > 0) {
      requireBacklogRoom(slot, handle);
      slot.pending = new LocalWrite(change, now);
      slot.addLocal(slot.pending);
    } else {
      requireBacklogRoom(slot, handle);
      LocalWrite write = new LocalWrite(change, now);
      slot.addLocal(write);
      slot.pending = write;
      if (env.config().writeBehindDelayMs() == 0) {
        flushPending(slot);
      } else {
        delay(slot);
      }
    }
    state.reindex(slot);
    return new JsonObject().put(Fields.HANDLE, handle).put("persisted", false);
  }

  /**
   * One timer per shard, not per handle: every handle that started waiting during one delay
   * period is sent when it ends, so a change waits at most the delay.
   */
  private void delay(HandleSlot slot) {
    delayed.add(slot);
    if (!delayTimerArmed) {
      delayTimerArmed = true;
      vertx.setTimer(env.config().writeBehindDelayMs(), id -> {
        delayTimerArmed = false;
        List<HandleSlot> due = new ArrayList<>(delayed);
        delayed.clear();
        for (HandleSlot waiting : due) {
          if (waiting.writesInFlight == 0 && !retrying.contains(waiting)) {
            queue(waiting);
          }
        }
        sendQueued();
      });
    }
  }

  /**
   * Sends the pending change now (a retry included), after every write already queued, so that
   * a critical change sent next follows them.
   */
  void flushPending(HandleSlot slot) {
    if (slot.pending != null) {
      queue(slot);
    }
    sendQueued();
  }

  /**
   * Takes the slot's pending write out to be sent with the others due in this event-loop turn.
   * From now on it counts as in flight: later changes merge into a new pending write.
   */
  private void queue(HandleSlot slot) {
    LocalWrite next = slot.pending;
    slot.pending = null;
    retrying.remove(slot);
    delayed.remove(slot);
    slot.writesInFlight++;
    queued.add(new Queued(slot, next, slot.generation));
    state.reindex(slot);
  }

  /** Sends the queued writes at the end of this event-loop turn, once for all that became due in it. */
  private void sendQueuedSoon() {
    if (!queuedSendScheduled) {
      queuedSendScheduled = true;
      vertx.getOrCreateContext().runOnContext(v -> {
        queuedSendScheduled = false;
        sendQueued();
      });
    }
  }

  private void sendQueued() {
    if (queued.isEmpty()) {
      return;
    }
    List<Queued> due = new ArrayList<>(queued);
    queued.clear();
    Ticket ticket = new Ticket();
    List<ConnectionStore.Update> updates = new ArrayList<>(due.size());
    for (Queued q : due) {
      q.write().ticket = ticket;
      updates.add(new ConnectionStore.Update(q.slot().handle, q.write().change, q.write().at));
    }
    List<Future<WriteOutcome>> outcomes = store.updateAll(updates, ticket);
    for (int i = 0; i < due.size(); i++) {
      Queued q = due.get(i);
      outcomes.get(i).onComplete(ar -> written(q.slot(), q.write(), q.generation(), ar));
    }
  }

  /** Sends every failed write now instead of at its backoff: the connection is back. */
  void retryNow() {
    List<HandleSlot> due = new ArrayList<>(retrying);
    retrying.clear();
    for (HandleSlot slot : due) {
      if (slot.writesInFlight == 0 && slot.pending != null) {
        env.metrics().retry();
        queue(slot);
      }
    }
    sendQueued();
  }

  /**
   * Changes not yet stored, for the shutdown report: per handle, the keys sent without an
   * answer (Redis may still apply them) and the keys never sent (lost if the process ends).
   */
  List<String> unstored() {
    List<String> out = new ArrayList<>();
    for (HandleSlot slot : state.slots()) {
      if (!slot.hasUnstored()) {
        continue;
      }
      StringBuilder line = new StringBuilder("handle ").append(slot.handle);
      for (LocalWrite write : slot.unacknowledged()) {
        boolean sent = write != slot.pending && write.ticket != null && write.ticket.sent();
        line.append(sent ? " sent, unconfirmed " : " not sent ").append(write.change.fields().keySet());
      }
      out.add(line.toString());
    }
    return out;
  }

  private void requireBacklogRoom(HandleSlot slot, long handle) {
    long pending = state.totals().pendingHandles();
    if (!slot.hasUnstored() && pending >= env.config().maxPendingHandles()) {
      env.metrics().rejected(MetricNames.REJECTED_BACKLOG_FULL);
      env.problems().warn("write-behind backlog full, change refused with 503",
          "handle " + handle + ", " + pending + " handles waiting", null);
      throw CommandFailure.unavailable("the write-behind backlog is full (" + env.config().maxPendingHandles()
          + " handles wait for Redis); the change was not applied, retry later");
    }
  }

  private void written(HandleSlot slot, LocalWrite write, int generation, AsyncResult<WriteOutcome> ar) {
    slot.writesInFlight--;
    if (generation != slot.generation) {
      // the connection was forgotten (disconnected) meanwhile: this write no longer matters
      state.reindex(slot);
      return;
    }
    if (ar.failed()) {
      failed(slot, write, ar.cause());
    } else if (ar.result().status() == WriteOutcome.Status.APPLIED) {
      env.metrics().redisWrite(MetricNames.PATH_WRITE_BEHIND);
      write.version = ar.result().version();
      slot.acknowledged(write);
    } else {
      env.metrics().redisWriteFailure(MetricNames.PATH_WRITE_BEHIND, MetricNames.REASON_NO_CONNECTION);
      env.problems().warn("write-behind change dropped: the connection no longer exists in Redis",
          "handle " + slot.handle + " keys " + write.change.fields().keySet(), null);
      state.remove(slot);
    }
    if (slot.writesInFlight == 0 && slot.pending != null && !retrying.contains(slot)) {
      queue(slot);
      sendQueuedSoon();
    }
    state.reindex(slot);
  }

  /**
   * A write failed (its outcome is unknown: it may have been applied). It becomes the pending
   * write again, with any later pending change merged on top, and is retried after backoff.
   */
  private void failed(HandleSlot slot, LocalWrite write, Throwable cause) {
    env.metrics().redisWriteFailure(MetricNames.PATH_WRITE_BEHIND, FailureReasons.of(cause));
    env.problems().warn("write-behind write failed, will retry",
        "handle " + slot.handle + " keys " + write.change.fields().keySet(), cause);
    if (slot.pending != null) {
      write.merge(slot.pending.change, slot.pending.at);
      slot.forget(slot.pending);
    }
    slot.pending = write;
    write.attempts++;
    if (retrying.add(slot)) {
      int generation = slot.generation;
      vertx.setTimer(RETRY.delay(write.attempts), id -> {
        if (retrying.remove(slot) && generation == slot.generation && slot.writesInFlight == 0) {
          env.metrics().retry();
          flushPending(slot);
          state.reindex(slot);
        }
      });
    }
  }
}
