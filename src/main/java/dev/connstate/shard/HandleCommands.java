package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.model.SharpMushKeys;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import dev.connstate.store.ConvertOutcome;
import dev.connstate.store.HandleStore;
import dev.connstate.store.StoredConnection;
import dev.connstate.store.NotSentException;
import dev.connstate.store.Ticket;
import dev.connstate.store.WriteOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes the commands about one handle on its shard, in the order they arrive.
 *
 * <p>Critical changes (register, bind, unbind, disconnect, critical updates) are answered only
 * after Redis applied them, within {@code criticalTimeoutMs}, else 503; the view claims them
 * only then. While one is in flight the handle is busy and later commands for it wait, so each
 * command sees the outcome of those before it. Non-critical updates and touches go to
 * {@link WriteBehind}.
 */
final class HandleCommands implements HandleExecutor {
  static final String PATH = "critical";
  private static final Logger LOG = LoggerFactory.getLogger(HandleCommands.class);

  private final Vertx vertx;
  private final ShardState state;
  private final HandleStore store;
  private final WriteBehind writeBehind;
  private final EventApplier events;
  private final ShardEnvironment env;

  HandleCommands(Vertx vertx, ShardState state, HandleStore store, WriteBehind writeBehind, EventApplier events,
                 ShardEnvironment env) {
    this.vertx = vertx;
    this.state = state;
    this.store = store;
    this.writeBehind = writeBehind;
    this.events = events;
    this.env = env;
  }

  /** Runs {@code command} now, or after the critical change in flight for its handle. */
  @Override
  public Future<JsonObject> execute(Command.ForHandle command) {
    HandleSlot slot = state.get(command.handle());
    if (slot != null && slot.busy) {
      Promise<JsonObject> promise = Promise.promise();
      slot.await(() -> run(command).onComplete(promise));
      return promise.future();
    }
    return run(command);
  }

  private Future<JsonObject> run(Command.ForHandle command) {
    HandleSlot slot = state.get(command.handle());
    boolean needsConnection = !(command instanceof Command.Register || command instanceof Command.Disconnect);
    if (needsConnection && (slot == null || !slot.live())) {
      return readThrough(command);
    }
    if (slot != null && slot.legacyJson != null && !(command instanceof Command.Get)) {
      return convertThen(command);
    }
    return dispatch(command);
  }

  /**
   * This sidecar does not hold the handle, but another sidecar may have just registered it (its
   * event still on the way), or it may exist only as a v1 record: read it from Redis, then run
   * the command, or answer 404 if Redis has no such connection either.
   */
  private Future<JsonObject> readThrough(Command.ForHandle command) {
    env.metrics().reread("miss");
    return prepareThen(command, "look up", (slot, ticket) -> store.read(slot.handle, ticket).map(stored -> {
      commitStored(slot, stored);
      return null;
    }));
  }

  /**
   * The connection exists only as a v1 record: convert it to a v2 hash before its first change
   * (DESIGN §4), atomically and only if the v1 record is unchanged since it was read.
   */
  private Future<JsonObject> convertThen(Command.ForHandle command) {
    return prepareThen(command, "convert the v1 record of", (slot, ticket) -> convert(slot));
  }

  private Future<Void> convert(HandleSlot slot) {
    return store.convert(new StoredConnection(slot.committed, slot.legacyJson)).compose(outcome -> {
      if (outcome == ConvertOutcome.CONVERTED) {
        env.metrics().legacyConversion();
        slot.legacyJson = null;
        return Future.succeededFuture();
      }
      // converted by someone else, changed by a v1 writer, or gone: what does Redis hold now?
      return store.read(slot.handle).compose(stored -> {
        commitStored(slot, stored);
        return slot.legacyJson == null ? Future.<Void>succeededFuture()
            : Future.failedFuture(CommandFailure.unavailable("the v1 record of connection " + slot.handle
                + " changed while it was being converted; retry"));
      });
    });
  }

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

  /**
   * Runs {@code step} with the handle busy (later commands wait), within criticalTimeoutMs,
   * then the command itself — or 404 if there is no connection after all.
   */
  private Future<JsonObject> prepareThen(Command.ForHandle command, String what,
                                         BiFunction<HandleSlot, Ticket, Future<Void>> step) {
    long handle = command.handle();
    HandleSlot slot = state.getOrCreate(handle);
    slot.busy = true;
    Ticket ticket = new Ticket();
    Promise<JsonObject> reply = Promise.promise();
    long timeoutMs = env.config().criticalTimeoutMs();
    long timer = vertx.setTimer(timeoutMs, id -> {
      store.abandon(ticket);
      reply.tryFail(CommandFailure.unavailable("Redis is unavailable: could not " + what + " connection " + handle
          + " within " + timeoutMs + " ms; retry later"));
    });
    step.apply(slot, ticket).onComplete(ar -> {
      vertx.cancelTimer(timer);
      slot.busy = false;
      state.reindex(slot);
      if (ar.failed()) {
        reply.tryFail(ar.cause() instanceof CommandFailure f ? f
            : ar.cause() instanceof MalformedRecordException ? storeFailure(ar.cause(), handle, what)
            : CommandFailure.unavailable("Redis could not be read: could not " + what + " connection " + handle
                + "; retry later"));
      } else if (!reply.future().isComplete()) {
        (slot.live() ? run(command) : Future.<JsonObject>failedFuture(CommandFailure.notFound(handle)))
            .onComplete(reply);
      }
      runWaiting(slot);
    });
    return reply.future();
  }

  private Future<JsonObject> dispatch(Command.ForHandle command) {
    try {
      if (command instanceof Command.Get get) {
        return Future.succeededFuture(liveView(get.handle()).toJson());
      }
      if (command instanceof Command.Touch touch) {
        long now = System.currentTimeMillis();
        FieldChange change = FieldChange.empty().metadata(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
        return Future.succeededFuture(writeBehind.change(state.get(touch.handle()), touch.handle(), change, now));
      }
      if (command instanceof Command.Update update) {
        return update(update);
      }
      if (command instanceof Command.Register register) {
        return register(register);
      }
      if (command instanceof Command.Bind bind) {
        return bind(bind);
      }
      if (command instanceof Command.Unbind unbind) {
        return unbind(unbind);
      }
      if (command instanceof Command.Disconnect disconnect) {
        return disconnect(disconnect);
      }
      throw new IllegalStateException("no handler for " + command);
    } catch (CommandFailure failure) {
      return Future.failedFuture(failure);
    }
  }

  private Future<JsonObject> update(Command.Update update) {
    long handle = update.handle();
    FieldChange change = FieldChange.ofMetadata(update.metadata());
    boolean critical = update.critical()
        || update.metadata().keySet().stream().anyMatch(env.config().criticalMetadataKeys()::contains);
    if (!critical) {
      return Future.succeededFuture(writeBehind.change(state.get(handle), handle, change, System.currentTimeMillis()));
    }
    HandleSlot slot = liveSlot(handle);
    long now = System.currentTimeMillis();
    return critical(slot, "update", ticket -> store.update(handle, change, now, ticket), outcome -> {
      requireConnection(slot, outcome);
      slot.addAcknowledged(new LocalWrite(change, now, outcome.version()));
      return new JsonObject().put(Fields.HANDLE, handle).put("persisted", true).put(Fields.VERSION, outcome.version());
    });
  }

  private Future<JsonObject> register(Command.Register register) {
    long handle = register.handle();
    long now = System.currentTimeMillis();
    String owner = register.owner() != null ? register.owner() : env.config().instanceId();
    ConnectionRecord record = ConnectionRecord.create(handle, register.ipAddress(), register.hostname(),
        register.connectionType(), owner, now, register.metadataWithDefaults(now));
    HandleSlot slot = state.getOrCreate(handle);
    return critical(slot, "register", ticket -> store.register(record, ticket), outcome -> {
      if (outcome.legacy()) {
        throw new ExistsAsLegacy();
      }
      if (outcome.created()) {
        record.version(1);
        if (slot.committed == null) {
          slot.commit(record);
        }
      } else if (slot.committed == null || outcome.existing().version() > slot.committed.version()
          || outcome.existing().connectedAt() != slot.committed.connectedAt()) {
        slot.commit(outcome.existing());
      }
      return slot.view.toJson().put("created", outcome.created());
    }).recover(e -> e instanceof ExistsAsLegacy
        // the connection exists only as a v1 record: read it, convert it, then register returns it
        ? readThrough(register) : Future.failedFuture(e));
  }

  private Future<JsonObject> bind(Command.Bind bind) {
    long handle = bind.handle();
    HandleSlot slot = liveSlot(handle);
    String ref = bind.playerRef().toString();
    long now = System.currentTimeMillis();
    FieldChange change = FieldChange.empty()
        .field(Fields.STATE, ConnectionState.LOGGED_IN.wire())
        .field(Fields.PLAYER_REF, ref);
    return critical(slot, "bind", ticket -> store.bind(handle, ref, now, ticket), outcome -> {
      if (outcome.status() == WriteOutcome.Status.CONFLICT) {
        events.reread(handle, "conflict");
        throw boundElsewhere(handle, outcome.boundRef());
      }
      requireConnection(slot, outcome);
      return acknowledge(slot, outcome, change, now);
    });
  }

  private Future<JsonObject> unbind(Command.Unbind unbind) {
    long handle = unbind.handle();
    HandleSlot slot = liveSlot(handle);
    long now = System.currentTimeMillis();
    FieldChange change = FieldChange.empty()
        .field(Fields.STATE, ConnectionState.CONNECTED.wire())
        .field(Fields.PLAYER_REF, null);
    return critical(slot, "unbind", ticket -> store.unbind(handle, now, ticket), outcome -> {
      requireConnection(slot, outcome);
      return acknowledge(slot, outcome, change, now);
    });
  }

  private Future<JsonObject> disconnect(Command.Disconnect disconnect) {
    long handle = disconnect.handle();
    HandleSlot slot = state.getOrCreate(handle);
    long now = System.currentTimeMillis();
    return critical(slot, "disconnect", ticket -> store.disconnect(handle, disconnect.reason(), now, ticket),
        outcome -> {
      state.remove(slot);
      return new JsonObject().put(Fields.HANDLE, handle)
          .put("removed", outcome.status() == WriteOutcome.Status.APPLIED);
    });
  }

  /**
   * Shows a stored bind or unbind. UNCHANGED means Redis already was in that state (a repeat):
   * if this sidecar's copy did not show it yet, a re-read brings the copy up to date.
   */
  private JsonObject acknowledge(HandleSlot slot, WriteOutcome outcome, FieldChange change, long now) {
    if (outcome.status() == WriteOutcome.Status.APPLIED) {
      slot.addAcknowledged(new LocalWrite(change, now, outcome.version()));
      return slot.view.toJson();
    }
    if (java.util.Objects.equals(slot.view.playerRef(), change.fields().get(Fields.PLAYER_REF))) {
      return slot.view.toJson();
    }
    events.reread(slot.handle, "stale");
    ConnectionRecord shown = slot.view.copy();
    shown.apply(change, now);
    return shown.toJson();
  }

  private void requireConnection(HandleSlot slot, WriteOutcome outcome) {
    if (outcome.status() == WriteOutcome.Status.NO_CONNECTION || slot.committed == null) {
      state.remove(slot);
      throw CommandFailure.notFound(slot.handle);
    }
  }

  /**
   * Sends a critical change with the handle busy; {@code onStored} runs only if Redis answered
   * in time, and its result (or failure) is the reply.
   */
  private <T> Future<JsonObject> critical(HandleSlot slot, String what, Function<Ticket, Future<T>> write,
                                          Function<T, JsonObject> onStored) {
    writeBehind.flushPending(slot);
    slot.busy = true;
    Promise<JsonObject> reply = Promise.promise();
    Ticket ticket = new Ticket();
    guard(write.apply(ticket), ticket, slot.handle, what).map(onStored).onComplete(ar -> {
      slot.busy = false;
      state.reindex(slot);
      reply.handle(ar);
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

  /**
   * Fails with 503 if Redis does not answer within criticalTimeoutMs; a late answer changes
   * nothing (its event will). The message says whether the change may still be stored: a
   * request that never left (Redis was unreachable) is abandoned and certainly is not.
   */
  private <T> Future<T> guard(Future<T> write, Ticket ticket, long handle, String what) {
    long timeoutMs = env.config().criticalTimeoutMs();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> {
      store.abandon(ticket);
      String outcome = ticket.sent()
          ? "Redis did not confirm the " + what + " of handle " + handle + " within " + timeoutMs
              + " ms; it is not acknowledged but may still be stored (retrying is safe)"
          : "Redis is unavailable: the " + what + " of handle " + handle + " was not stored (no connection within "
              + timeoutMs + " ms); retry later";
      if (promise.tryFail(CommandFailure.unavailable(outcome))) {
        env.metrics().redisWriteFailure(PATH, ticket.sent() ? "timeout" : "unavailable");
        env.problems().warn("critical change not confirmed in time, answered 503", what + " of handle " + handle
            + (ticket.sent() ? " (sent, no answer)" : " (not sent: Redis unreachable)"), null);
      }
    });
    write.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        if (promise.tryComplete(ar.result())) {
          env.metrics().redisWrite(PATH);
        } else {
          LOG.info("Redis confirmed the {} of handle {} after its 503; its event will update this sidecar", what, handle);
        }
      } else if (promise.tryFail(storeFailure(ar.cause(), handle, what))) {
        if (ar.cause() instanceof MalformedRecordException) {
          env.metrics().malformed("stored");
          LOG.error("the stored connection {} is malformed, answered 500 to a {}: {}", handle, what,
              ar.cause().getMessage());
        } else {
          env.metrics().redisWriteFailure(PATH, FailureReasons.of(ar.cause()));
          env.problems().warn("critical change failed, answered 503", what + " of handle " + handle, ar.cause());
        }
      }
    });
    return promise.future();
  }

  private static CommandFailure storeFailure(Throwable cause, long handle, String what) {
    if (cause instanceof MalformedRecordException) {
      return new CommandFailure(FailureCode.INTERNAL, "the stored connection " + handle + " cannot be read: "
          + cause.getMessage());
    }
    if (cause instanceof NotSentException) {
      return CommandFailure.unavailable("Redis is unavailable: the " + what + " of handle " + handle
          + " was not stored; retry later");
    }
    if ("connection".equals(FailureReasons.of(cause))) {
      return CommandFailure.unavailable("the Redis connection failed during the " + what + " of handle " + handle
          + ": it may or may not be stored (retrying is safe)");
    }
    return CommandFailure.unavailable("Redis refused the " + what + " of handle " + handle + ", it was not stored: "
        + cause.getMessage());
  }

  private HandleSlot liveSlot(long handle) {
    HandleSlot slot = state.get(handle);
    if (slot == null || !slot.live()) {
      throw CommandFailure.notFound(handle);
    }
    return slot;
  }

  private ConnectionRecord liveView(long handle) {
    return liveSlot(handle).view;
  }

  /** The register script found only a v1 record: not a failure, a detour (no stack trace). */
  private static final class ExistsAsLegacy extends RuntimeException {
    ExistsAsLegacy() {
      super("exists as a v1 record", null, false, false);
    }
  }

  private static CommandFailure boundElsewhere(long handle, String boundRef) {
    return CommandFailure.conflict("handle " + handle + " is bound to player " + boundRef
        + "; unbind it before binding another player");
  }
}
