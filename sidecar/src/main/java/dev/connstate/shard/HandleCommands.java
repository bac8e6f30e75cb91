package dev.connstate.shard;

import dev.connstate.model.FieldChange;
import dev.connstate.model.SharpMushKeys;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Executes the commands about one handle on its shard, in the order they arrive, the v2 way:
 * a command takes its turn ({@link HandleTurns}); a handle this shard does not hold, or holds
 * only as a v1 record, is read or converted first ({@link ReadThrough}); then {@code get} is
 * answered from memory, updates and touches go to {@link WriteBehind}, and the rest are
 * {@link CriticalChanges}.
 */
final class HandleCommands implements HandleExecutor {
  private final ShardState state;
  private final HandleTurns turns;
  private final WriteBehind writeBehind;
  private final ReadThrough readThrough;
  private final CriticalChanges critical;
  private final ShardEnvironment env;

  HandleCommands(Vertx vertx, ShardState state, ConnectionStore store, WriteBehind writeBehind, EventApplier events,
                 ShardEnvironment env) {
    this.state = state;
    this.turns = new HandleTurns(state);
    this.writeBehind = writeBehind;
    this.env = env;
    StoreDeadline deadline = new StoreDeadline(vertx, store, env);
    this.readThrough = new ReadThrough(state, store, turns, deadline, env, this::run);
    this.critical = new CriticalChanges(state, store, turns, deadline, writeBehind, events, readThrough, env);
  }

  /** Runs {@code command} now, or after the commands before it for its handle. */
  @Override
  public Future<JsonObject> execute(Command.ForHandle command) {
    return turns.take(command.handle(), () -> run(command));
  }

  @Override
  public Future<JsonObject> expire(long handle, Expiry expiry) {
    return turns.take(handle, () -> critical.expire(handle, expiry));
  }

  private Future<JsonObject> run(Command.ForHandle command) {
    HandleSlot slot = state.get(command.handle());
    boolean needsConnection = !(command instanceof Command.Register || command instanceof Command.Disconnect);
    if (needsConnection && (slot == null || !slot.live())) {
      return readThrough.readThen(command);
    }
    if (slot != null && slot.legacyJson != null && !(command instanceof Command.Get)) {
      return readThrough.convertThen(command);
    }
    try {
      return dispatch(command, slot);
    } catch (CommandFailure failure) {
      return Future.failedFuture(failure);
    }
  }

  private Future<JsonObject> dispatch(Command.ForHandle command, HandleSlot slot) {
    if (command instanceof Command.Get) {
      return Future.succeededFuture(slot.view.toJson());
    }
    if (command instanceof Command.Touch touch) {
      long now = System.currentTimeMillis();
      FieldChange change = FieldChange.empty().metadata(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
      return Future.succeededFuture(writeBehind.change(slot, touch.handle(), change, now));
    }
    if (command instanceof Command.Update update) {
      return isCritical(update) ? critical.update(update) : Future.succeededFuture(
          writeBehind.change(slot, update.handle(), FieldChange.ofMetadata(update.metadata()),
              System.currentTimeMillis()));
    }
    if (command instanceof Command.Register register) {
      return critical.register(register);
    }
    if (command instanceof Command.Bind bind) {
      return critical.bind(bind);
    }
    if (command instanceof Command.Unbind unbind) {
      return critical.unbind(unbind);
    }
    if (command instanceof Command.Disconnect disconnect) {
      return critical.disconnect(disconnect);
    }
    throw new IllegalStateException("no handler for " + command);
  }

  private boolean isCritical(Command.Update update) {
    return update.critical()
        || update.metadata().keySet().stream().anyMatch(env.config().criticalMetadataKeys()::contains);
  }
}
