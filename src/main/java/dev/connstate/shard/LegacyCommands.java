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
import dev.connstate.store.legacy.LegacyStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The commands about one handle in {@code store.schema = legacy}: the v1 behaviour, kept as
 * the measured baseline. Every change is a whole-document optimistic transaction
 * ({@link LegacyStore}) answered once it is stored; changes to one handle run concurrently, as
 * they did in v1, so contention shows as retries and, beyond ten, as dropped updates (503,
 * counted and logged). No versions (reported as 0) and no change events: v1 had neither.
 */
final class LegacyCommands implements HandleExecutor {
  private final ShardState state;
  private final LegacyStore store;
  private final ShardEnvironment env;

  LegacyCommands(ShardState state, LegacyStore store, ShardEnvironment env) {
    this.state = state;
    this.store = store;
    this.env = env;
  }

  @Override
  public Future<JsonObject> execute(Command.ForHandle command) {
    long handle = command.handle();
    long now = System.currentTimeMillis();
    Future<JsonObject> reply;
    if (command instanceof Command.Get) {
      reply = store.get(handle).map(r -> shown(handle, r).toJson());
    } else if (command instanceof Command.Register register) {
      boolean[] created = new boolean[1];
      ConnectionRecord fresh = ConnectionRecord.create(handle, register.ipAddress(), register.hostname(),
          register.connectionType(), null, now, register.metadataWithDefaults(now));
      reply = store.change(handle, current -> {
        created[0] = current == null;
        return current == null ? fresh : null;
      }).map(stored -> remembered(stored != null ? stored : fresh).toJson().put("created", created[0]));
    } else if (command instanceof Command.Disconnect) {
      reply = store.delete(handle).map(removed -> {
        forget(handle);
        return new JsonObject().put(Fields.HANDLE, handle).put("removed", removed);
      });
    } else {
      reply = store.change(handle, current -> changed(command, current, now))
          .map(stored -> answer(command, remembered(stored)));
    }
    return reply.recover(this::failure);
  }

  private ConnectionRecord changed(Command.ForHandle command, ConnectionRecord current, long now) {
    if (current == null) {
      throw CommandFailure.notFound(command.handle());
    }
    FieldChange change;
    if (command instanceof Command.Bind bind) {
      String ref = bind.playerRef().toString();
      if (current.playerRef() != null && !current.playerRef().equals(ref)) {
        throw CommandFailure.conflict("handle " + command.handle() + " is bound to player " + current.playerRef()
            + "; unbind it before binding another player");
      }
      change = FieldChange.empty().field(Fields.STATE, ConnectionState.LOGGED_IN.wire()).field(Fields.PLAYER_REF, ref);
    } else if (command instanceof Command.Unbind) {
      change = FieldChange.empty().field(Fields.STATE, ConnectionState.CONNECTED.wire()).field(Fields.PLAYER_REF, null);
    } else if (command instanceof Command.Update update) {
      change = FieldChange.ofMetadata(update.metadata());
    } else {
      change = FieldChange.empty().metadata(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
    }
    ConnectionRecord next = current.copy();
    next.apply(change, now);
    return next;
  }

  private static JsonObject answer(Command.ForHandle command, ConnectionRecord stored) {
    if (command instanceof Command.Update || command instanceof Command.Touch) {
      return new JsonObject().put(Fields.HANDLE, command.handle()).put("persisted", true);
    }
    return stored.toJson();
  }

  /** Keeps the shard's copy (for list, byPlayer, stats) as the last stored document. */
  private ConnectionRecord remembered(ConnectionRecord stored) {
    HandleSlot slot = state.getOrCreate(stored.handle());
    slot.commit(stored);
    state.reindex(slot);
    return stored;
  }

  private void forget(long handle) {
    HandleSlot slot = state.get(handle);
    if (slot != null) {
      state.remove(slot);
    }
  }

  private static ConnectionRecord shown(long handle, ConnectionRecord record) {
    if (record == null) {
      throw CommandFailure.notFound(handle);
    }
    return record;
  }

  private Future<JsonObject> failure(Throwable e) {
    if (e instanceof CommandFailure) {
      return Future.failedFuture(e);
    }
    if (e instanceof LegacyStore.DroppedUpdate) {
      env.metrics().redisWriteFailure("legacy", "dropped");
      env.problems().warn("v1 store dropped an update: every retry conflicted", e.getMessage(), null);
      return Future.failedFuture(CommandFailure.unavailable(e.getMessage() + "; retry"));
    }
    if (e instanceof MalformedRecordException) {
      return Future.failedFuture(new CommandFailure(FailureCode.INTERNAL, "the stored v1 record cannot be read: "
          + e.getMessage()));
    }
    env.metrics().redisWriteFailure("legacy", FailureReasons.of(e));
    env.problems().warn("v1 store write failed", String.valueOf(e.getMessage()), e);
    return Future.failedFuture(CommandFailure.unavailable("Redis could not store the change: " + e.getMessage()));
  }
}
