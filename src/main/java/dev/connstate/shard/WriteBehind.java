package dev.connstate.shard;

import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.store.HandleStore;
import dev.connstate.store.WriteOutcome;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The write-behind path of one shard (DESIGN §5): a non-critical change is applied to the
 * view and acknowledged at once, then written. A handle has at most one such write in flight;
 * changes made meanwhile merge into one pending write (last value per field wins). A failed
 * write is retried with capped exponential backoff and jitter, ahead of the pending one, so
 * the handle's order holds. The backlog (handles with unstored changes) is bounded: beyond
 * {@code maxPendingHandles} a new change is refused with 503 and counted.
 */
final class WriteBehind {
  static final String PATH = "writebehind";
  private static final long BASE_BACKOFF_MS = 50;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Vertx vertx;
  private final ShardState state;
  private final HandleStore store;
  private final ShardEnvironment env;

  WriteBehind(Vertx vertx, ShardState state, HandleStore store, ShardEnvironment env) {
    this.vertx = vertx;
    this.state = state;
    this.store = store;
    this.env = env;
  }

  /** Applies {@code change} now and writes it behind; the reply says it is not yet persisted. */
  JsonObject change(HandleSlot slot, long handle, FieldChange change, long now) {
    if (slot == null || !slot.live()) {
      throw CommandFailure.notFound(handle);
    }
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
      send(slot, write);
    }
    state.reindex(slot);
    return new JsonObject().put(Fields.HANDLE, handle).put("persisted", false);
  }

  /** Sends the pending change now, so that a critical change sent next follows it. */
  void flushPending(HandleSlot slot) {
    if (slot.pending != null) {
      LocalWrite next = slot.pending;
      slot.pending = null;
      send(slot, next);
    }
  }

  private void requireBacklogRoom(HandleSlot slot, long handle) {
    if (!slot.hasUnstored() && env.metrics().pendingWrites() >= env.config().maxPendingHandles()) {
      env.metrics().rejected("backlog-full");
      env.problems().warn("write-behind backlog full, change refused with 503",
          "handle " + handle + ", " + env.metrics().pendingWrites() + " handles waiting", null);
      throw CommandFailure.unavailable("the write-behind backlog is full (" + env.config().maxPendingHandles()
          + " handles wait for Redis); the change was not applied, retry later");
    }
  }

  private void send(HandleSlot slot, LocalWrite write) {
    slot.writesInFlight++;
    store.update(slot.handle, write.change, write.at).onComplete(ar -> written(slot, write, ar));
  }

  private void written(HandleSlot slot, LocalWrite write, AsyncResult<WriteOutcome> ar) {
    slot.writesInFlight--;
    if (ar.failed()) {
      retryLater(slot, write, ar.cause());
      return;
    }
    if (ar.result().status() == WriteOutcome.Status.APPLIED) {
      env.metrics().redisWrite(PATH);
      write.version = ar.result().version();
      slot.acknowledged(write);
    } else {
      env.metrics().redisWriteFailure(PATH, "no-connection");
      env.problems().warn("write-behind change dropped: the connection no longer exists in Redis",
          "handle " + slot.handle + " keys " + write.change.fields().keySet(), null);
      state.remove(slot);
    }
    if (slot.writesInFlight == 0 && slot.pending != null) {
      flushPending(slot);
    }
    state.reindex(slot);
  }

  private void retryLater(HandleSlot slot, LocalWrite write, Throwable cause) {
    env.metrics().redisWriteFailure(PATH, FailureReasons.of(cause));
    env.problems().warn("write-behind write failed, will retry",
        "handle " + slot.handle + " keys " + write.change.fields().keySet(), cause);
    write.attempts++;
    slot.writesInFlight++;
    long delay = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS << Math.min(write.attempts, 16));
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    vertx.setTimer(delay, id -> {
      slot.writesInFlight--;
      if (slot.live() && write.generation == slot.generation) {
        env.metrics().retry();
        send(slot, write);
      } else {
        state.reindex(slot);
      }
    });
  }
}
