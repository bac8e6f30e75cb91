package dev.connstate.store.legacy;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The v1 store, kept as the measured baseline ({@code store.schema = legacy}, DESIGN §4): one
 * JSON document per connection, changed by whole-document GET, modify, and
 * WATCH/MULTI/SET/EXEC, retried up to 10 times ({@code store.legacyRetries}) with linear 10 ms
 * backoff when another writer changed the document in between. WATCH belongs to a connection, so each change takes a
 * pooled connection of its own for its transaction.
 *
 * <p>Unlike v1, which dropped such an update with only a log line, a change that still
 * conflicts after the last retry fails with {@link DroppedUpdate}, which the caller answers
 * with 503 and counts.
 */
public final class LegacyStore {
  /** v1's backoff: the n-th retry after n × 10 ms. */
  private static final long BACKOFF_STEP_MS = 10;

  private final Vertx vertx;
  private final Redis redis;
  private final RedisKeys keys;
  private final long ttlMs;
  private final int maxRetries;

  /** The change still conflicted after the last retry and was not stored. */
  public static final class DroppedUpdate extends RuntimeException {
    public DroppedUpdate(long handle, int retries) {
      super("the v1 store dropped the change of connection " + handle + " after " + retries
          + " retries: other writers changed it each time (optimistic locking)", null, false, false);
    }
  }

  /** @param maxRetries retries of a conflicting transaction: v1 used 10 */
  public LegacyStore(Vertx vertx, Redis redis, RedisKeys keys, long ttlMs, int maxRetries) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = ttlMs;
    this.maxRetries = maxRetries;
  }

  /** The connection, or null. */
  public Future<ConnectionRecord> get(long handle) {
    return redis.send(Request.cmd(Command.GET).arg(keys.legacyConnection(handle)))
        .map(r -> r == null ? null : LegacyJson.parse(handle, r.toString()));
  }

  /**
   * Applies {@code change} to the stored document under optimistic locking. {@code change}
   * gets the current record (null if none) and returns the record to store, or null to store
   * nothing. Completes with what is stored afterwards (null if nothing).
   */
  public Future<ConnectionRecord> change(long handle, UnaryOperator<ConnectionRecord> change) {
    return redis.connect().compose(conn -> {
      Promise<ConnectionRecord> result = Promise.promise();
      attempt(conn, handle, change, 0, result);
      return result.future().eventually(conn::close);
    });
  }

  private void attempt(RedisConnection conn, long handle, UnaryOperator<ConnectionRecord> change, int retry,
                       Promise<ConnectionRecord> result) {
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
            result.fail(new DroppedUpdate(handle, maxRetries));
          } else {
            vertx.setTimer(BACKOFF_STEP_MS * (retry + 1), id -> attempt(conn, handle, change, retry + 1, result));
          }
        });
  }

  /** Removes the connection; true if it existed. */
  public Future<Boolean> delete(long handle) {
    return redis.batch(List.of(Request.cmd(Command.DEL).arg(keys.legacyConnection(handle)),
            Request.cmd(Command.SREM).arg(keys.active()).arg(handle)))
        .map(replies -> replies.get(0).toLong() == 1);
  }

  private static boolean committed(Response exec) {
    return exec != null && exec.size() > 0;
  }

  private record Exec(boolean committed, ConnectionRecord stored) {
  }
}
