package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.model.SharpMushKeys;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The commands about one handle in {@code store.schema = legacy}: the v1 behaviour, kept as
 * the measured baseline, over the v1 store. Every change is answered once the store has it;
 * changes to one handle run concurrently, as they did in v1, so the store's contention shows
 * (as retries and, beyond {@code store.legacyRetries}, as dropped changes: 503, counted and
 * logged). No versions (reported as 0) and no change events: v1 had neither.
 */
final class LegacyCommands implements HandleExecutor {
  private final ShardState state;
  private final ConnectionStore store;
  private final ShardEnvironment env;

  LegacyCommands(ShardState state, ConnectionStore store, ShardEnvironment env) {
    this.state = state;
    this.store = store;
    this.env = env;
  }

  @Override
  public Future<JsonObject> expire(long handle, Expiry expiry) {
    return Future.failedFuture(new IllegalStateException("store.schema legacy has no expiry (DESIGN §7)"));
  }

  @Override
  public Future<JsonObject> execute(Command.ForHandle command) {
    long handle = command.handle();
    long now = System.currentTimeMillis();
    Future<JsonObject> reply;
    if (command instanceof Command.Get) {
      reply = store.read(handle, null).map(stored -> {
        if (stored == null) {
          throw CommandFailure.notFound(handle);
        }
        return stored.record().toJson();
      });
    } else if (command instanceof Command.Register register) {
      ConnectionRecord fresh = ConnectionRecord.create(handle, register.ipAddress(), register.hostname(),
          register.connectionType(), null, now, register.metadataWithDefaults(now));
      reply = store.register(fresh, null).map(outcome -> remembered(outcome.created() ? fresh : outcome.existing())
          .toJson().put("created", outcome.created()));
    } else if (command instanceof Command.Disconnect disconnect) {
      reply = store.disconnect(handle, disconnect.reason(), now, null).map(outcome -> {
        forget(handle);
        return new JsonObject().put(Fields.HANDLE, handle).put("removed",
            outcome.status() == WriteOutcome.Status.APPLIED);
      });
    } else if (command instanceof Command.Bind bind) {
      reply = store.bind(handle, bind.playerRef().toString(), now, null).map(outcome -> shown(handle, outcome));
    } else if (command instanceof Command.Unbind) {
      reply = store.unbind(handle, now, null).map(outcome -> shown(handle, outcome));
    } else {
      FieldChange change = command instanceof Command.Update update ? FieldChange.ofMetadata(update.metadata())
          : FieldChange.empty().metadata(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
      reply = store.update(handle, change, now, null).map(outcome -> {
        shown(handle, outcome);
        return new JsonObject().put(Fields.HANDLE, handle).put("persisted", true);
      });
    }
    if (!(command instanceof Command.Get)) {
      reply = reply.onSuccess(stored -> env.metrics().redisWrite(MetricNames.PATH_LEGACY));
    }
    return reply.recover(this::failure);
  }

  private JsonObject shown(long handle, WriteOutcome outcome) {
    if (outcome.status() == WriteOutcome.Status.NO_CONNECTION) {
      throw CommandFailure.notFound(handle);
    }
    if (outcome.status() == WriteOutcome.Status.CONFLICT) {
      throw CommandFailure.conflict("handle " + handle + " is bound to player " + outcome.boundRef()
          + "; unbind it before binding another player");
    }
    return remembered(outcome.stored()).toJson();
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

  private Future<JsonObject> failure(Throwable e) {
    if (e instanceof CommandFailure) {
      return Future.failedFuture(e);
    }
    if (e instanceof DroppedChangeException) {
      env.metrics().redisWriteFailure(MetricNames.PATH_LEGACY, MetricNames.REASON_DROPPED);
      env.problems().warn("v1 store dropped an update: every retry conflicted", e.getMessage(), null);
      return Future.failedFuture(CommandFailure.unavailable(e.getMessage() + "; retry"));
    }
    if (e instanceof MalformedRecordException) {
      return Future.failedFuture(new CommandFailure(FailureCode.INTERNAL, "the stored v1 record cannot be read: "
          + e.getMessage()));
    }
    env.metrics().redisWriteFailure(MetricNames.PATH_LEGACY, FailureReasons.of(e));
    env.problems().warn("v1 store write failed", String.valueOf(e.getMessage()), e);
    return Future.failedFuture(CommandFailure.unavailable("Redis could not store the change: " + e.getMessage()));
  }
}
