package dev.connstate.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One shard's pipelined Redis connection. Requests leave in the order {@link #send} and
 * {@link #batch} are called and Redis answers in that order, which is what keeps each handle's
 * writes ordered.
 *
 * <p>It can be held: while held (or while {@code maxInflight} requests are unanswered), new
 * requests wait here, in order, and leave when released. Used only from the owning shard's
 * event loop, so it needs no locking.
 */
public final class ShardConnection {
  private final RedisConnection connection;
  private final int maxInflight;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private final List<Runnable> idleActions = new ArrayList<>(1);
  private int inflight;
  private boolean held;

  public ShardConnection(RedisConnection connection, int maxInflight) {
    this.connection = connection;
    this.maxInflight = maxInflight;
  }

  /** Sends a request after every request sent before it. */
  public Future<Response> send(Request request) {
    return enqueue(() -> connection.send(request));
  }

  /**
   * Sends several requests in one write, after every request sent before them. Counts as one
   * unanswered request until all are answered.
   */
  public Future<List<Response>> batch(List<Request> requests) {
    return enqueue(() -> connection.batch(requests));
  }

  /** Sends a request now, even while held: for the code that holds the connection. */
  public Future<Response> sendNow(Request request) {
    return write(() -> connection.send(request));
  }

  /** Makes new requests wait until {@link #release()}. */
  public void hold() {
    held = true;
  }

  /** Lets waiting requests leave, in order. */
  public void release() {
    held = false;
    drain();
  }

  /** Runs {@code action} once every request already sent has been answered. */
  public void whenIdle(Runnable action) {
    if (inflight == 0) {
      action.run();
    } else {
      idleActions.add(action);
    }
  }

  public Future<Void> close() {
    return connection.close();
  }

  private <T> Future<T> enqueue(Supplier<Future<T>> request) {
    if (!held && inflight < maxInflight && waiting.isEmpty()) {
      return write(request);
    }
    Promise<T> promise = Promise.promise();
    waiting.add(() -> write(request).onComplete(promise));
    return promise.future();
  }

  private <T> Future<T> write(Supplier<Future<T>> request) {
    inflight++;
    Promise<T> promise = Promise.promise();
    request.get().onComplete(ar -> {
      // the caller's listeners run first, so a retry they queue precedes idle actions
      promise.handle(ar);
      answered();
    });
    return promise.future();
  }

  private void answered() {
    inflight--;
    if (inflight == 0 && !idleActions.isEmpty()) {
      List<Runnable> actions = new ArrayList<>(idleActions);
      idleActions.clear();
      actions.forEach(Runnable::run);
    }
    drain();
  }

  private void drain() {
    while (!held && inflight < maxInflight && !waiting.isEmpty()) {
      waiting.poll().run();
    }
  }
}
