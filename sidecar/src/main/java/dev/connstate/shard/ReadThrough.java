package dev.connstate.shard;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * What a command needs from Redis before it can run on a handle this shard cannot answer for
 * by itself: the connection read from Redis (another sidecar may have just registered it, its
 * event still on the way, or it exists only as a v1 record), or a v1 record converted to a v2
 * hash before its first change (DESIGN §4). The handle is held meanwhile, within
 * {@code criticalTimeoutMs}; then the command runs, or is answered 404 if Redis has no such
 * connection either.
 */
final class ReadThrough {
  private final ShardState state;
  private final ConnectionStore store;
  private final HandleTurns turns;
  private final StoreDeadline deadline;
  private final ShardEnvironment env;
  private final Function<Command.ForHandle, Future<JsonObject>> run;

  /** @param run runs a command once its handle is known here */
  ReadThrough(ShardState state, ConnectionStore store, HandleTurns turns, StoreDeadline deadline,
              ShardEnvironment env, Function<Command.ForHandle, Future<JsonObject>> run) {
    this.state = state;
    this.store = store;
    this.turns = turns;
    this.deadline = deadline;
    this.env = env;
    this.run = run;
  }

  /** Reads the handle from Redis, then runs {@code command}. */
  Future<JsonObject> readThen(Command.ForHandle command) {
    env.metrics().reread(MetricNames.REREAD_MISS);
    return holdThen(command, "look up", slot -> deadline.call(StoreDeadline.Kind.READ, "look up", slot.handle,
        ticket -> readLatest(slot, ticket).map(stored -> {
          commitStored(slot, stored);
          if (stored != null && !stored.legacy()) {
            relist(slot.handle);
          }
          return null;
        })));
  }

  /**
   * Reads the handle; again if a removal's event arrived while the read was out
   * ({@link HandleSlot#removalEvents}): that read may predate the removal, and taking it would
   * bring back a connection no event will ever remove again.
   */
  private Future<StoredConnection> readLatest(HandleSlot slot, Ticket ticket) {
    int removals = slot.removalEvents;
    return store.read(slot.handle, ticket).compose(stored -> {
      if (slot.removalEvents == removals) {
        return Future.succeededFuture(stored);
      }
      env.metrics().reread(MetricNames.REREAD_OVERTAKEN);
      return readLatest(slot, ticket);
    });
  }

  /**
   * A connection read through may be one whose index entries an unanswered attempt lost: list
   * it again (idempotent). Its failure does not fail the command; it is counted and logged.
   */
  private void relist(long handle) {
    store.relist(handle).onFailure(e -> {
      env.metrics().redisWriteFailure(MetricNames.PATH_REREAD, FailureReasons.of(e));
      env.problems().warn("listing a connection read through in the index sets failed", "handle " + handle, e);
    });
  }

  /** Converts the handle's v1 record to a v2 hash, then runs {@code command}. */
  Future<JsonObject> convertThen(Command.ForHandle command) {
    String what = "convert the v1 record of";
    return holdThen(command, what, slot -> deadline.call(StoreDeadline.Kind.READ, what, slot.handle,
        ticket -> convert(slot)));
  }

  private Future<JsonObject> holdThen(Command.ForHandle command, String what,
                                      Function<HandleSlot, Future<Void>> step) {
    HandleSlot slot = state.getOrCreate(command.handle());
    return turns.hold(slot, () -> step.apply(slot), ar -> {
      if (ar.failed()) {
        return Future.failedFuture(ar.cause());
      }
      return slot.live() ? run.apply(command) : Future.failedFuture(CommandFailure.notFound(command.handle()));
    });
  }

  private Future<Void> convert(HandleSlot slot) {
    return store.convert(new StoredConnection(slot.committed, slot.legacyJson)).compose(outcome -> {
      if (outcome == ConvertOutcome.CONVERTED) {
        env.metrics().legacyConversion();
        slot.legacyJson = null;
        return Future.succeededFuture();
      }
      // converted by someone else, changed by a v1 writer, or gone: what does Redis hold now?
      return readLatest(slot, null).compose(stored -> {
        commitStored(slot, stored);
        return slot.legacyJson == null ? Future.<Void>succeededFuture()
            : Future.failedFuture(CommandFailure.unavailable("the v1 record of connection " + slot.handle
                + " changed while it was being converted; retry"));
      });
    });
  }

  /** Makes what Redis holds the committed state, unless this shard already holds a newer version. */
  private void commitStored(HandleSlot slot, StoredConnection stored) {
    if (stored == null) {
      if (slot.committed != null) {
        state.remove(slot);
      }
      return;
    }
    if (stored.legacy()) {
      env.metrics().legacyRead();
    }
    if (slot.committed == null || stored.record().version() > slot.committed.version() || stored.legacy()
        || slot.legacyJson != null) {
      slot.commit(stored);
    }
    state.reindex(slot);
  }
}
