package dev.connstate.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures the Redis round trip on a schedule and keeps the last result, so that health
 * probes, stats and scrapes read a cached answer and never wait on (or flood) Redis. The
 * latency is that of a PING on an established connection of its own, so connection set-up
 * never counts as latency; a connection that fails is replaced at the next check.
 */
public final class RedisHealth {
  private final Vertx vertx;
  private final Redis redis;
  private final long intervalMs;
  private final long timeoutMs;
  private volatile JsonObject last = new JsonObject().put("status", "UNKNOWN");
  private RedisConnection connection;
  private long timer = -1;

  public RedisHealth(Vertx vertx, Redis redis, long intervalMs, long timeoutMs, Metrics metrics) {
    this.vertx = vertx;
    this.redis = redis;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    metrics.gauge(MetricNames.REDIS_UP, () -> up() ? 1 : 0);
    metrics.gauge(MetricNames.REDIS_LATENCY, () -> {
      JsonObject result = last;
      return up() ? result.getDouble("latencyMs") / 1000.0 : Double.NaN;
    });
  }

  /** Starts the periodic check, with one check right away. */
  public void start() {
    check();
    timer = vertx.setPeriodic(intervalMs, id -> check());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** The last result: {@code status} UP or DOWN, {@code latencyMs}, {@code checkedAt}, {@code error}. */
  public JsonObject last() {
    return last.copy();
  }

  /** True if the last check reached Redis. */
  public boolean up() {
    return "UP".equals(last.getString("status"));
  }

  private synchronized void check() {
    Future<RedisConnection> ready = connection != null ? Future.succeededFuture(connection) : redis.connect();
    ready.onFailure(e -> record("DOWN", -1, "cannot connect: " + e.getMessage())).onSuccess(this::ping);
  }

  private synchronized void ping(RedisConnection conn) {
    if (connection != conn) {
      conn.exceptionHandler(e -> record("DOWN", -1, "connection failed: " + e.getMessage()));
    }
    connection = conn;
    AtomicBoolean done = new AtomicBoolean();
    long started = System.nanoTime();
    long guard = vertx.setTimer(timeoutMs, id -> {
      if (done.compareAndSet(false, true)) {
        record("DOWN", System.nanoTime() - started, "no answer to PING within " + timeoutMs + " ms");
        replace(conn);
      }
    });
    conn.send(Request.cmd(Command.PING)).onComplete(ar -> {
      vertx.cancelTimer(guard);
      if (!done.compareAndSet(false, true)) {
        return;
      }
      if (ar.succeeded()) {
        record("UP", System.nanoTime() - started, null);
      } else {
        record("DOWN", System.nanoTime() - started, String.valueOf(ar.cause().getMessage()));
        replace(conn);
      }
    });
  }

  private synchronized void replace(RedisConnection conn) {
    if (connection == conn) {
      connection = null;
      conn.close().onFailure(e -> record("DOWN", -1, "closing a failed connection: " + e.getMessage()));
    }
  }

  private void record(String status, long nanos, String error) {
    JsonObject result = new JsonObject().put("status", status).put("checkedAt", System.currentTimeMillis());
    if (nanos >= 0) {
      result.put("latencyMs", nanos / 1_000_000.0);
    }
    if (error != null) {
      result.put("error", error);
    }
    last = result;
  }
}
