package dev.connstate.store.legacy;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.shard.ConnectionStore;
import dev.connstate.shard.ConvertOutcome;
import dev.connstate.shard.DroppedChangeException;
import dev.connstate.shard.Expiry;
import dev.connstate.shard.ReadResult;
import dev.connstate.shard.RegisterOutcome;
import dev.connstate.shard.StoredConnection;
import dev.connstate.shard.Ticket;
import dev.connstate.shard.WriteOutcome;
import dev.connstate.store.ActiveSet;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The v1 store, kept as the measured baseline ({@code store.schema = legacy}, DESIGN §4): one
 * JSON document per connection, changed by whole-document GET, modify, and
 * WATCH/MULTI/SET/EXEC, retried up to {@code store.legacyRetries} times (v1: 10) with linear
 * 10 ms backoff when another writer changed the document in between. WATCH belongs to a
 * connection, so each change takes a pooled connection of its own for its transaction, and
 * changes run concurrently, as in v1 (the order guarantee of {@link ConnectionStore} holds
 * only between changes whose answers were awaited).
 *
 * <p>Unlike v1, which dropped such an update with only a log line, a change that still
 * conflicts after the last retry fails with {@link DroppedChangeException}. There are no
 * versions (0), no events, and no conversion (the v1 record is the store). Tickets are
 * marked sent, but a transaction cannot be abandoned once started.
 */
public final class LegacyStore implements ConnectionStore {
  /** v1's backoff: the n-th retry after n × 10 ms. */
  private static final long BACKOFF_STEP_MS = 10;

  private final Vertx vertx;
  private final Redis redis;
  private final RedisKeys keys;
  private final long ttlMs;
  private final int maxRetries;
  private final ActiveSet active;

  /** @param maxRetries retries of a conflicting transaction: v1 used 10 */
  public LegacyStore(Vertx vertx, Redis redis, RedisKeys keys, long ttlMs, int maxRetries, ActiveSet active) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = ttlMs;
    this.maxRetries = maxRetries;
    this.active = active;
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** Never: the v1 store uses pooled connections, which the client replaces by itself. */
  @Override
  public void onRestored(Runnable listener) {
  }

  @Override
  public Future<RegisterOutcome> register(ConnectionRecord record, Ticket ticket) {
    sent(ticket);
    boolean[] created = new boolean[1];
    return change(record.handle(), current -> {
      created[0] = current == null;
      return current == null ? record : null;
    }).map(stored -> new RegisterOutcome(created[0], created[0] ? null : stored, false));
  }

  @Override
  public Future<WriteOutcome> bind(long handle, String playerRef, long at, Ticket ticket) {
    return changeFields(handle, ticket, at, current -> current.playerRef() != null
        && !current.playerRef().equals(playerRef) ? null
        : FieldChange.empty().field(Fields.STATE, ConnectionState.LOGGED_IN.wire()).field(Fields.PLAYER_REF, playerRef));
  }

  @Override
  public Future<WriteOutcome> unbind(long handle, long at, Ticket ticket) {
    return changeFields(handle, ticket, at, current -> FieldChange.empty().field(Fields.STATE, ConnectionState.CONNECTED.wire())
        .field(Fields.PLAYER_REF, null));
  }

  @Override
  public Future<WriteOutcome> update(long handle, FieldChange change, long at, Ticket ticket) {
    return changeFields(handle, ticket, at, current -> change);
  }

  /** The v1 baseline has no owner leases or sessions: the sidecar turns them off for it. */
  @Override
  public Future<WriteOutcome> expire(long handle, Expiry expiry, long at, Ticket ticket) {
    return Future.failedFuture(new IllegalStateException("store.schema legacy cannot expire connections (DESIGN §7 "
        + "needs the v2 schema)"));
  }

  @Override
  public Future<WriteOutcome> disconnect(long handle, String reason, long at, Ticket ticket) {
    sent(ticket);
    return redis.batch(List.of(Request.cmd(Command.DEL).arg(keys.legacyConnection(handle)),
            Request.cmd(Command.SREM).arg(keys.active()).arg(handle)))
        .map(replies -> replies.get(0).toLong() == 1 ? new WriteOutcome(WriteOutcome.Status.APPLIED, 0, null)
            : new WriteOutcome(WriteOutcome.Status.UNCHANGED, 0, null));
  }

  /** At once: v1 acknowledged without asking replicas, and this store is its baseline. */
  @Override
  public Future<Void> replicated(long handle, String playerRef, Ticket ticket) {
    return Future.succeededFuture();
  }

  @Override
  public void abandon(Ticket ticket) {
    ticket.abandon();
  }

  @Override
  public Future<StoredConnection> read(long handle, Ticket ticket) {
    sent(ticket);
    return redis.send(Request.cmd(Command.GET).arg(keys.legacyConnection(handle))).map(r -> r == null ? null
        : new StoredConnection(LegacyJson.parse(handle, r.toString()), r.toString()));
  }

  @Override
  public Future<List<ReadResult>> readAll(List<Long> handles) {
    List<Request> gets = new ArrayList<>(handles.size());
    handles.forEach(h -> gets.add(Request.cmd(Command.GET).arg(keys.legacyConnection(h))));
    return redis.batch(gets).map(records -> {
      List<ReadResult> out = new ArrayList<>(handles.size());
      for (int i = 0; i < handles.size(); i++) {
        Response json = records.get(i);
        try {
          out.add(json == null ? ReadResult.MISSING : ReadResult.found(
              new StoredConnection(LegacyJson.parse(handles.get(i), json.toString()), json.toString())));
        } catch (MalformedRecordException e) {
          out.add(ReadResult.malformed(e));
        }
      }
      return out;
    });
  }

  /** Not in the v1 store: its v1 records are what it stores. */
  @Override
  public Future<ConvertOutcome> convert(StoredConnection stored) {
    return Future.failedFuture(new UnsupportedOperationException("the v1 store (store.schema legacy) keeps "
        + "connections as v1 records and converts none"));
  }

  @Override
  public Future<List<Long>> listHandles() {
    return active.handles();
  }

  @Override
  public Future<List<Long>> sampleHandles(int count) {
    return active.sample(count);
  }

  @Override
  public Future<Long> removeOrphans(List<Long> handles) {
    return active.removeOrphans(handles);
  }

  /** None: the v1 store has no v2 hashes, and its transactions always list what they store. */
  @Override
  public Future<List<Long>> scanHandles() {
    return Future.succeededFuture(List.of());
  }

  @Override
  public Future<Void> relist(long handle) {
    return redis.send(Request.cmd(Command.SADD).arg(keys.active()).arg(handle)).mapEmpty();
  }

  /**
   * Applies the change {@code decide} picks for the current document (null: bound elsewhere,
   * a conflict) under optimistic locking; the outcome carries the stored document.
   */
  private Future<WriteOutcome> changeFields(long handle, Ticket ticket, long at,
                                            Function<ConnectionRecord, FieldChange> decide) {
    sent(ticket);
    WriteOutcome[] refused = new WriteOutcome[1];
    return change(handle, current -> {
      refused[0] = null;
      if (current == null) {
        refused[0] = WriteOutcome.NO_CONNECTION;
        return null;
      }
      FieldChange change = decide.apply(current);
      if (change == null) {
        refused[0] = new WriteOutcome(WriteOutcome.Status.CONFLICT, 0, current.playerRef());
        return null;
      }
      ConnectionRecord next = current.copy();
      next.apply(change, at);
      return next;
    }).map(stored -> refused[0] != null ? refused[0]
        : new WriteOutcome(WriteOutcome.Status.APPLIED, 0, null, stored));
  }

  /**
   * Applies {@code change} to the stored document under optimistic locking. {@code change}
   * gets the current record (null if none) and returns the record to store, or null to store
   * nothing. Completes with what is stored afterwards (null if nothing).
   */
  private Future<ConnectionRecord> change(long handle, UnaryOperator<ConnectionRecord> change) {
    return redis.connect().compose(conn -> {
      Promise<ConnectionRecord> result = Promise.promise();
      attempt(conn, handle, change, 0, result);
      return result.future().eventually(conn::close);
    });
  }

  private void attempt(RedisConnection conn, long handle, UnaryOperator<ConnectionRecord> change,
                       int retry, Promise<ConnectionRecord> result) {
    String key = keys.legacyConnection(handle);
    conn.send(Request.cmd(Command.WATCH).arg(key))
        .compose(ok -> conn.send(Request.cmd(Command.GET).arg(key)))
        .compose(current -> {
          ConnectionRecord before = current == null ? null : LegacyJson.parse(handle, current.toString());
          ConnectionRecord after = change.apply(before);
          if (after == null) {
            return conn.send(Request.cmd(Command.UNWATCH)).map(ok -> new Exec(true, before));
          }
          List<Request> transaction = List.of(Request.cmd(Command.MULTI),
              Request.cmd(Command.SET).arg(key).arg(LegacyJson.encode(after)).arg("PX").arg(ttlMs),
              Request.cmd(Command.SADD).arg(keys.active()).arg(handle),
              Request.cmd(Command.EXEC));
          return conn.batch(transaction).map(replies -> new Exec(committed(replies.get(3)), after));
        })
        .onFailure(result::fail)
        .onSuccess(exec -> {
          if (exec.committed()) {
            result.complete(exec.stored());
          } else if (retry >= maxRetries) {
            result.fail(new DroppedChangeException(handle, maxRetries));
          } else {
            vertx.setTimer(BACKOFF_STEP_MS * (retry + 1), id -> attempt(conn, handle, change, retry + 1, result));
          }
        });
  }

  private static void sent(Ticket ticket) {
    if (ticket != null) {
      ticket.markSent();
    }
  }

  private static boolean committed(Response exec) {
    return exec != null && exec.size() > 0;
  }

  private record Exec(boolean committed, ConnectionRecord stored) {
  }
}
