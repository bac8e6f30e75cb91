package dev.connstate.store;

import dev.connstate.shard.Backoff;
import dev.connstate.shard.NotSentException;
import dev.connstate.shard.Ticket;
import dev.connstate.ops.FatalErrors;
import dev.connstate.redis.ConnectionListener;
import dev.connstate.redis.RedisConnector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis connection the sidecar keeps alive: a shard's pipelined command connection, or the
 * event subscription. Requests leave in the order they are sent and Redis answers in that
 * order, which is what keeps each handle's writes ordered.
 *
 * <p>The Vert.x Redis client does not reconnect by itself, so this does: when the connection
 * drops, requests in flight fail (their outcome is unknown to their callers), later requests
 * wait here in order, and a new connection is made with capped, jittered backoff. Once it is
 * up, the {@link #onConnected} steps run (loading the script) before anything waiting leaves,
 * then the {@link #onRestored} listeners run. A waiting request whose {@link Ticket} was
 * abandoned is never sent.
 *
 * <p>When its {@link RedisConnector} says the master moved (Sentinel), the connection is
 * replaced the same way. It can also be held (the NOSCRIPT barrier), and at most
 * {@code maxInflight} requests are unanswered at once. Confined to the owning verticle's event
 * loop: no locking.
 */
public final class ManagedConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ManagedConnection.class);
  private static final Backoff RECONNECT = new Backoff(50, 1_000);

  private final Vertx vertx;
  private final RedisConnector connector;
  private final Context context;
  private final int maxInflight;
  private final String name;
  private final ConnectionListener listener;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private final List<Runnable> idleActions = new ArrayList<>(1);
  private final List<Supplier<Future<Void>>> connectSteps = new ArrayList<>(1);
  private final List<Runnable> restoredListeners = new ArrayList<>(1);
  private final Promise<Void> firstConnection = Promise.promise();
  private Handler<Response> messages;
  private RedisConnection connection;
  private int inflight;
  private int holds;
  private int attempts;
  private long downSince;
  private boolean closed;
  private boolean sweepScheduled;

  private record Waiting(Runnable send, Ticket ticket, Promise<?> promise) {
  }

  /** Made on the owning verticle's event loop, which every later call must be on too. */
  public ManagedConnection(Vertx vertx, RedisConnector connector, int maxInflight, String name,
                         ConnectionListener listener) {
    this.vertx = vertx;
    this.connector = connector;
    this.context = vertx.getOrCreateContext();
    connector.onMasterSwitch(reason -> context.runOnContext(v -> replace(reason)));
    this.maxInflight = maxInflight;
    this.name = name;
    this.listener = listener;
  }

  /** Receives what Redis pushes on every connection made from now on (pub/sub messages). */
  public void messageHandler(Handler<Response> handler) {
    this.messages = handler;
  }

  /** A step to run on every new connection before anything waiting is sent (e.g. SCRIPT LOAD). */
  public void onConnected(Supplier<Future<Void>> step) {
    connectSteps.add(step);
  }

  /** Runs after every reconnection (not the first connection), once waiting requests have left. */
  public void onRestored(Runnable listener) {
    restoredListeners.add(listener);
  }

  /**
   * Connects, retrying with backoff until Redis answers; completes when the first connection
   * is up and its steps have run.
   */
  public Future<Void> start() {
    downSince = System.currentTimeMillis();
    connect();
    return firstConnection.future();
  }

  /** True while a connection is up. */
  public boolean connected() {
    return connection != null;
  }

  /** Sends a request after every request sent before it. */
  public Future<Response> send(Request request) {
    return send(request, null);
  }

  /** Sends a request after every request sent before it, unless {@code ticket} is abandoned first. */
  public Future<Response> send(Request request, Ticket ticket) {
    return enqueue(conn -> conn.send(request), ticket);
  }

  /**
   * Sends several requests in one write, after every request sent before them. Counts as one
   * unanswered request until all are answered.
   */
  public Future<List<Response>> batch(List<Request> requests) {
    return enqueue(conn -> conn.batch(requests), null);
  }

  /** Sends a request now, even while held: for the code that holds the connection. */
  public Future<Response> sendNow(Request request) {
    if (connection == null) {
      return Future.failedFuture("Redis connection " + name + " is down");
    }
    return write(conn -> conn.send(request), null);
  }

  /** Makes new requests wait until {@link #release()}. */
  public void hold() {
    holds++;
  }

  /** Lets waiting requests leave, in order, once nothing holds them. */
  public void release() {
    holds--;
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

  /** Requests waiting to be sent (while down, held or at the in-flight limit). */
  public int waiting() {
    return waiting.size();
  }

  /** Closes for good: waiting requests fail, no reconnection. */
  public Future<Void> close() {
    closed = true;
    while (!waiting.isEmpty()) {
      waiting.poll().promise().tryFail("Redis connection " + name + " closed");
    }
    RedisConnection conn = connection;
    connection = null;
    return conn == null ? Future.succeededFuture() : conn.close();
  }

  private void connect() {
    if (closed) {
      return;
    }
    connector.connect().onComplete(ar -> onContext(() -> {
      if (closed) {
        if (ar.succeeded()) {
          ar.result().close().onFailure(e -> LOG.debug("closing {}: {}", name, e.getMessage()));
        }
        return;
      }
      if (ar.failed()) {
        attempts++;
        long delay = RECONNECT.delay(attempts);
        listener.reconnectFailed(name, attempts, delay, ar.cause());
        vertx.setTimer(delay, id -> connect());
        return;
      }
      connected(ar.result());
    }));
  }

  /**
   * Runs {@code action} on the owning event loop. The Redis client may complete a request on
   * another one (in Redis Cluster, a node's connection belongs to whichever context opened it
   * first), and everything here is confined to the owner's.
   */
  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private void connected(RedisConnection conn) {
    if (messages != null) {
      conn.handler(messages);
    }
    conn.exceptionHandler(e -> {
      FatalErrors.exitIfOutOfMemory(e);
      onContext(() -> lost(conn, e));
    });
    conn.endHandler(v -> onContext(() -> lost(conn, new IllegalStateException("connection closed by Redis"))));
    connection = conn;
    hold();
    Future<Void> steps = Future.succeededFuture();
    for (Supplier<Future<Void>> step : connectSteps) {
      steps = steps.compose(v -> step.get());
    }
    steps.onComplete(ar -> {
      if (ar.failed()) {
        release();
        lost(conn, ar.cause());
        return;
      }
      boolean reconnected = firstConnection.future().isComplete();
      int tries = attempts;
      long downMs = System.currentTimeMillis() - downSince;
      attempts = 0;
      release();
      if (reconnected) {
        listener.restored(name, tries, downMs);
        restoredListeners.forEach(Runnable::run);
      } else {
        firstConnection.complete();
      }
    });
  }

  /**
   * The node to write to changed (a Sentinel failover): the current connection goes, with its
   * requests in flight (their outcome unknown to their callers), and a new one is made.
   */
  private void replace(String reason) {
    if (connection != null) {
      lost(connection, new MasterMovedException(reason));
    }
  }

  /** The connection failed: forget it and reconnect (once per connection). */
  private void lost(RedisConnection conn, Throwable cause) {
    if (conn != connection || closed) {
      return;
    }
    connection = null;
    downSince = System.currentTimeMillis();
    listener.lost(name, cause);
    connector.connectionLost();
    conn.close().onFailure(e -> LOG.debug("closing the lost connection {}: {}", name, e.getMessage()));
    attempts = 1;
    vertx.setTimer(RECONNECT.delay(1), id -> connect());
  }

  private <T> Future<T> enqueue(java.util.function.Function<RedisConnection, Future<T>> request, Ticket ticket) {
    if (available() && waiting.isEmpty()) {
      return write(request, ticket);
    }
    Promise<T> promise = Promise.promise();
    waiting.add(new Waiting(() -> write(request, ticket).onComplete(promise), ticket, promise));
    return promise.future();
  }

  private boolean available() {
    return connection != null && holds == 0 && inflight < maxInflight;
  }

  private <T> Future<T> write(java.util.function.Function<RedisConnection, Future<T>> request, Ticket ticket) {
    RedisConnection conn = connection;
    inflight++;
    if (ticket != null) {
      ticket.markSent();
    }
    Promise<T> promise = Promise.promise();
    request.apply(conn).onComplete(ar -> onContext(() -> {
      // the caller's listeners run first, so a retry they queue precedes idle actions
      promise.handle(ar);
      if (ar.failed() && isConnectionFailure(ar.cause())) {
        lost(conn, ar.cause());
      }
      answered();
    }));
    return promise.future();
  }

  /**
   * A failure after which this connection is no use: it broke, or the node it reaches is a
   * replica now ({@code READONLY}: demoted in a failover), so a new connection must find the master.
   */
  private static boolean isConnectionFailure(Throwable cause) {
    if (cause instanceof java.io.IOException) {
      return true;
    }
    String message = cause.getMessage();
    return message != null && (message.contains("onnection is closed") || message.contains("onnection was closed")
        || message.contains("Connection reset") || message.startsWith("READONLY"));
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
    while (!waiting.isEmpty() && (available() || waiting.peek().ticket() != null && waiting.peek().ticket().abandoned())) {
      Waiting next = waiting.poll();
      if (next.ticket() != null && next.ticket().abandoned()) {
        next.promise().tryFail(new NotSentException());
      } else {
        next.send().run();
      }
    }
  }

  /**
   * A caller abandoned a ticket: soon, drop every abandoned request still waiting, so that an
   * outage with steady traffic does not pile them up (at most one sweep per 100 ms).
   */
  public void abandoned() {
    if (!sweepScheduled && !waiting.isEmpty()) {
      sweepScheduled = true;
      vertx.setTimer(100, id -> {
        sweepScheduled = false;
        waiting.removeIf(w -> {
          if (w.ticket() != null && w.ticket().abandoned()) {
            w.promise().tryFail(new NotSentException());
            return true;
          }
          return false;
        });
      });
    }
  }
}

