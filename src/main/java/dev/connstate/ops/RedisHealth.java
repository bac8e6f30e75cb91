package dev.connstate.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures the Redis round trip on a schedule and keeps the last result, so that health
 * probes, stats and scrapes read a cached answer and never wait on (or flood) Redis.
 */
public final class RedisHealth {
  private final Vertx vertx;
  private final Redis redis;
  private final long intervalMs;
  private final long timeoutMs;
  private volatile JsonObject last = new JsonObject().put("status", "UNKNOWN");
  private long timer = -1;

  public RedisHealth(Vertx vertx, Redis redis, long intervalMs, long timeoutMs) {
    this.vertx = vertx;
    this.redis = redis;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
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

  private void check() {
    long started = System.nanoTime();
    AtomicBoolean done = new AtomicBoolean();
    long guard = vertx.setTimer(timeoutMs, id -> {
      if (done.compareAndSet(false, true)) {
        record("DOWN", started, "no answer to PING within " + timeoutMs + " ms");
      }
    });
    redis.send(Request.cmd(Command.PING)).onComplete(ar -> {
      vertx.cancelTimer(guard);
      if (!done.compareAndSet(false, true)) {
        return;
      }
      record(ar.succeeded() ? "UP" : "DOWN", started, ar.succeeded() ? null : String.valueOf(ar.cause().getMessage()));
    });
  }

  private void record(String status, long started, String error) {
    JsonObject result = new JsonObject()
        .put("status", status)
        .put("latencyMs", (System.nanoTime() - started) / 1_000_000.0)
        .put("checkedAt", System.currentTimeMillis());
    if (error != null) {
      result.put("error", error);
    }
    last = result;
  }
}
