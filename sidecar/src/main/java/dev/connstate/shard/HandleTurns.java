package dev.connstate.shard;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The commands about one handle take turns. A step that must finish before anything else
 * about the handle may run (a critical change, the read a command needs first) holds the
 * handle; commands that arrive meanwhile wait in arrival order and run once it is done, so
 * each sees the outcome of those before it (DESIGN §1).
 */
final class HandleTurns {
  private final ShardState state;

  HandleTurns(ShardState state) {
    this.state = state;
  }

  /** Runs {@code command} now, or after the step holding its handle and the commands waiting before it. */
  Future<JsonObject> take(long handle, Supplier<Future<JsonObject>> command) {
    HandleSlot slot = state.get(handle);
    if (slot != null && slot.busy) {
      Promise<JsonObject> promise = Promise.promise();
      slot.await(() -> command.get().onComplete(promise));
      return promise.future();
    }
    return command.get();
  }

  /**
   * Runs {@code step} holding the handle. When it is done, {@code then} decides the reply from
   * its outcome (and may start the next step at once), the shard's indexes are brought up to
   * date, and the commands that waited run in order.
   */
  <T> Future<JsonObject> hold(HandleSlot slot, Supplier<Future<T>> step,
                              Function<AsyncResult<T>, Future<JsonObject>> then) {
    slot.busy = true;
    Promise<JsonObject> reply = Promise.promise();
    step.get().onComplete(ar -> {
      slot.busy = false;
      Future<JsonObject> next;
      try {
        next = then.apply(ar);
      } catch (RuntimeException e) {
        next = Future.failedFuture(e);
      }
      state.reindex(slot);
      next.onComplete(reply);
      runWaiting(slot);
    });
    return reply.future();
  }

  private void runWaiting(HandleSlot slot) {
    Runnable next;
    while (!slot.busy && (next = slot.nextWaiting()) != null) {
      next.run();
    }
    state.dropIfIdle(slot);
  }
}
