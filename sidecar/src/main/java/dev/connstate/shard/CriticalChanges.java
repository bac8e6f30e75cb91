package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The critical changes (register, bind, unbind, disconnect, critical updates): each is
 * answered only after Redis applied it, within {@code criticalTimeoutMs}, else 503; the view
 * shows it only then. Redis decides each one (a repeat, a conflict, a change), never this
 * shard's copy, which may lag a change another sidecar just made. The handle is held while the
 * change is in flight, and its waiting write-behind change is sent first, so Redis applies the
 * handle's changes in the order they were made.
 */
final class CriticalChanges {
  private final ShardState state;
  private final ConnectionStore store;
  private final HandleTurns turns;
  private final StoreDeadline deadline;
  private final WriteBehind writeBehind;
  private final EventApplier events;
  private final ReadThrough readThrough;
  private final ShardEnvironment env;
  private final MetadataLimits limits;

  CriticalChanges(ShardState state, ConnectionStore store, HandleTurns turns, StoreDeadline deadline,
                  WriteBehind writeBehind, EventApplier events, ReadThrough readThrough, ShardEnvironment env) {
    this.state = state;
    this.store = store;
    this.turns = turns;
    this.deadline = deadline;
    this.writeBehind = writeBehind;
    this.events = events;
    this.readThrough = readThrough;
    this.env = env;
    this.limits = new MetadataLimits(env.config().limits(), env.metrics());
  }

  Future<JsonObject> register(Command.Register register) {
    long handle = register.handle();
    long now = System.currentTimeMillis();
    String owner = register.owner() != null ? register.owner() : env.config().instanceId();
    ConnectionRecord record = ConnectionRecord.create(handle, register.ipAddress(), register.hostname(),
        register.connectionType(), owner, now, Map.of());
    record.session(register.session());
    FieldChange metadata = FieldChange.ofMetadata(register.metadataWithDefaults(now));
    limits.check(record, metadata);
    record.apply(metadata, now);
    HandleSlot slot = state.getOrCreate(handle);
    return critical(slot, "register", ticket -> store.register(record, ticket).compose(o -> replicated(o,
        !o.legacy(), handle, o.existing() == null ? null : o.existing().playerRef(), ticket)), outcome -> {
      if (outcome.legacy()) {
        throw new ExistsAsLegacy();
      }
      slot.ownChangeStored();
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
        ? readThrough.readThen(register) : Future.failedFuture(e));
  }

  Future<JsonObject> bind(Command.Bind bind) {
    long handle = bind.handle();
    HandleSlot slot = liveSlot(handle);
    String ref = bind.playerRef().toString();
    long now = System.currentTimeMillis();
    FieldChange change = FieldChange.empty()
        .field(Fields.STATE, ConnectionState.LOGGED_IN.wire())
        .field(Fields.PLAYER_REF, ref);
    return critical(slot, "bind", ticket -> store.bind(handle, ref, now, ticket).compose(o -> replicated(o,
        stored(o), handle, ref, ticket)), outcome -> {
      if (outcome.status() == WriteOutcome.Status.CONFLICT) {
        events.reread(handle, MetricNames.REREAD_CONFLICT);
        throw CommandFailure.conflict("handle " + handle + " is bound to player " + outcome.boundRef()
            + "; unbind it before binding another player");
      }
      requireConnection(slot, outcome);
      return acknowledge(slot, outcome, change, now);
    });
  }

  Future<JsonObject> unbind(Command.Unbind unbind) {
    long handle = unbind.handle();
    HandleSlot slot = liveSlot(handle);
    long now = System.currentTimeMillis();
    FieldChange change = FieldChange.empty()
        .field(Fields.STATE, ConnectionState.CONNECTED.wire())
        .field(Fields.PLAYER_REF, null);
    return critical(slot, "unbind", ticket -> store.unbind(handle, now, ticket).compose(o -> replicated(o,
        stored(o), handle, o.boundRef(), ticket)), outcome -> {
      requireConnection(slot, outcome);
      return acknowledge(slot, outcome, change, now);
    });
  }

  /** An update with {@code critical: true} or a key configured as critical. */
  Future<JsonObject> update(Command.Update update) {
    long handle = update.handle();
    HandleSlot slot = liveSlot(handle);
    FieldChange change = FieldChange.ofMetadata(update.metadata());
    limits.check(slot.view, change);
    long now = System.currentTimeMillis();
    return critical(slot, "update", ticket -> store.update(handle, change, now, ticket).compose(o -> replicated(o,
        stored(o), handle, null, ticket)), outcome -> {
      requireConnection(slot, outcome);
      slot.addAcknowledged(new LocalWrite(change, now, outcome.version()));
      return new JsonObject().put(Fields.HANDLE, handle).put("persisted", true).put(Fields.VERSION, outcome.version());
    });
  }

  Future<JsonObject> disconnect(Command.Disconnect disconnect) {
    long handle = disconnect.handle();
    HandleSlot slot = state.getOrCreate(handle);
    long now = System.currentTimeMillis();
    return critical(slot, "disconnect", ticket -> store.disconnect(handle, disconnect.reason(), now, ticket)
        .compose(o -> replicated(o, stored(o), handle, o.boundRef(), ticket)), outcome -> {
          slot.ownChangeStored();
          state.remove(slot);
          return new JsonObject().put(Fields.HANDLE, handle)
              .put("removed", outcome.status() == WriteOutcome.Status.APPLIED);
        });
  }

  /**
   * Expires a connection for a dead owner or an ended session (DESIGN §7). Redis decides: the
   * connection may have been disconnected, or registered again by another owner meanwhile.
   */
  Future<JsonObject> expire(long handle, Expiry expiry) {
    HandleSlot slot = state.getOrCreate(handle);
    long now = System.currentTimeMillis();
    return critical(slot, "expiry", ticket -> store.expire(handle, expiry, now, ticket), outcome -> {
      slot.ownChangeStored();
      boolean expired = outcome.status() == WriteOutcome.Status.APPLIED;
      if (expired) {
        env.metrics().expired(expiry.ownerGone() ? MetricNames.EXPIRED_OWNER : MetricNames.EXPIRED_SESSION);
      }
      if (expired || outcome.status() == WriteOutcome.Status.NO_CONNECTION) {
        state.remove(slot);
      } else {
        state.dropIfIdle(slot);
      }
      return new JsonObject().put(Fields.HANDLE, handle).put("expired", expired);
    });
  }

  /**
   * Sends a critical change holding the handle, after its waiting write-behind change;
   * {@code onStored} runs only if Redis answered in time, and its result (or failure) is the reply.
   */
  private <T> Future<JsonObject> critical(HandleSlot slot, String what, Function<Ticket, Future<T>> write,
                                          Function<T, JsonObject> onStored) {
    writeBehind.flushPending(slot);
    return turns.hold(slot, () -> deadline.call(StoreDeadline.Kind.CHANGE, what, slot.handle, write),
        ar -> ar.failed() ? Future.failedFuture(ar.cause()) : Future.succeededFuture(onStored.apply(ar.result())));
  }

  /**
   * A critical change Redis stored (or found already made: a retry) is acknowledged only once
   * as many replicas as {@code redis.criticalReplicas} hold it, so that a failover cannot take
   * it back.
   */
  private <T> Future<T> replicated(T outcome, boolean stored, long handle, String playerRef, Ticket ticket) {
    return stored ? store.replicated(handle, playerRef, ticket).map(outcome) : Future.succeededFuture(outcome);
  }

  private static boolean stored(WriteOutcome outcome) {
    return outcome.status() == WriteOutcome.Status.APPLIED || outcome.status() == WriteOutcome.Status.UNCHANGED;
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
    if (Objects.equals(slot.view.playerRef(), change.fields().get(Fields.PLAYER_REF))) {
      return slot.view.toJson();
    }
    events.reread(slot.handle, MetricNames.REREAD_STALE);
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

  private HandleSlot liveSlot(long handle) {
    HandleSlot slot = state.get(handle);
    if (slot == null || !slot.live()) {
      throw CommandFailure.notFound(handle);
    }
    return slot;
  }

  /** The register script found only a v1 record: not a failure, a detour (no stack trace). */
  private static final class ExistsAsLegacy extends RuntimeException {
    ExistsAsLegacy() {
      super("exists as a v1 record", null, false, false);
    }
  }
}
