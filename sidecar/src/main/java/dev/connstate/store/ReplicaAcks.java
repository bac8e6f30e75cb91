package dev.connstate.store;

import dev.connstate.shard.ReplicasNotConfirmed;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Confirms that a connection's writes are held by replicas, with Redis {@code WAIT} on that same
 * connection (WAIT counts the writes of the connection it is sent on). One WAIT at a time: the
 * callers that ask while one is on its way are covered by the next, so a burst of critical
 * changes shares a few WAITs (group commit). WAIT holds the connection until it returns, at
 * most {@code timeoutMs}. Confined to the owning shard's event loop.
 */
public final class ReplicaAcks {
  private final Function<Request, Future<Response>> connection;
  private final int replicas;
  private final long timeoutMs;
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean inFlight;

  /** @param connection sends a request on the connection whose writes are to be confirmed */
  public ReplicaAcks(Function<Request, Future<Response>> connection, int replicas, long timeoutMs) {
    this.connection = connection;
    this.replicas = replicas;
    this.timeoutMs = timeoutMs;
  }

  /** Completes once every write sent on the connection before this call is held by the replicas. */
  public Future<Void> confirm() {
    if (replicas == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waiting.add(promise);
    if (!inFlight) {
      sendWait();
    }
    return promise.future();
  }

  /** The WAIT request: how many replicas, for how long. */
  public static Request waitFor(int replicas, long timeoutMs) {
    return Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMs);
  }

  /** Fails unless {@code reply} (to {@link #waitFor}) counts enough replicas. */
  public static Future<Void> check(Response reply, int replicas, long timeoutMs) {
    long confirmed = reply == null ? 0 : reply.toLong();
    return confirmed >= replicas ? Future.succeededFuture()
        : Future.failedFuture(new ReplicasNotConfirmed(confirmed, replicas, timeoutMs));
  }

  private void sendWait() {
    List<Promise<Void>> covered = waiting;
    waiting = new ArrayList<>();
    inFlight = true;
    connection.apply(waitFor(replicas, timeoutMs))
        .compose(reply -> check(reply, replicas, timeoutMs))
        .onComplete(ar -> {
          inFlight = false;
          covered.forEach(p -> p.handle(ar));
          if (!waiting.isEmpty()) {
            sendWait();
          }
        });
  }
}
