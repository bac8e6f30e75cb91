package dev.connstate.bench;

import dev.connstate.client.BridgeConnection;
import dev.connstate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Scenario (b), churn: connections coming and going. Each unit is one session on a fresh
 * handle — register, bind, two updates, disconnect — each request sent when the previous one
 * answered (3 critical changes out of 5 requests). The first request's latency counts from the
 * unit's intended start; each later one from when it was sent.
 */
final class Churn implements Workload {
  private final AtomicLong nextHandle;

  Churn(long firstHandle) {
    this.nextHandle = new AtomicLong(firstHandle);
  }

  @Override
  public String name() {
    return "churn";
  }

  @Override
  public int requestsPerUnit() {
    return 5;
  }

  @Override
  public int criticalPerUnit() {
    return 3;
  }

  @Override
  public Future<Void> setup(BridgeConnection connection) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> unit(BridgeConnection connection, long intendedStartNanos, Measurements measurements) {
    long handle = nextHandle.getAndIncrement();
    long player = handle % 1_000_000;
    return step(measurements, intendedStartNanos, () -> connection.request(Addresses.REGISTER, new JsonObject()
            .put("handle", handle).put("ipAddress", "203.0.113.9:" + (handle % 60_000)).put("hostname", "bench")
            .put("connectionType", "websocket")))
        .compose(v -> step(measurements, System.nanoTime(), () -> connection.request(Addresses.BIND,
            new JsonObject().put("handle", handle).put("playerRef", "#" + player))))
        .compose(v -> step(measurements, System.nanoTime(), () -> connection.request(Addresses.UPDATE,
            new JsonObject().put("handle", handle).put("metadata", new JsonObject().put("WIDTH", "120")))))
        .compose(v -> step(measurements, System.nanoTime(), () -> connection.request(Addresses.UPDATE,
            new JsonObject().put("handle", handle).put("metadata", new JsonObject().put("HEIGHT", "40")))))
        .compose(v -> step(measurements, System.nanoTime(), () -> connection.request(Addresses.DISCONNECT,
            new JsonObject().put("handle", handle).put("reason", "quit"))));
  }

  /** One request: recorded; a failed step ends the session (the rest would fail too). */
  private static Future<Void> step(Measurements measurements, long startNanos, Supplier<Future<JsonObject>> request) {
    return request.get().transform(ar -> {
      if (ar.succeeded()) {
        measurements.success(startNanos);
        return Future.succeededFuture();
      }
      measurements.failure(startNanos, ar.cause());
      return Future.failedFuture(ar.cause());
    });
  }
}
