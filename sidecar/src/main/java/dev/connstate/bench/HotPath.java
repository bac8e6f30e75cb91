package dev.connstate.bench;

import dev.connstate.client.BridgeConnection;
import dev.connstate.protocol.Addresses;
import dev.connstate.model.SharpMushKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Scenario (a), the hot path: a game's idle-time traffic. Each unit is one request on a random
 * one of {@code handles} connections: a {@code touch} (with probability {@code touchShare}) or
 * an {@code update} of {@code LastConnectionSignal}, both written behind. The connections are
 * registered first.
 */
final class HotPath implements Workload {
  static final double DEFAULT_TOUCH_SHARE = 0.5;
  private final long firstHandle;
  private final int handles;
  private final double touchShare;

  HotPath(long firstHandle, int handles, double touchShare) {
    this.firstHandle = firstHandle;
    this.handles = handles;
    this.touchShare = touchShare;
  }

  @Override
  public String name() {
    return "hot";
  }

  @Override
  public int requestsPerUnit() {
    return 1;
  }

  @Override
  public int criticalPerUnit() {
    return 0;
  }

  @Override
  public Future<Void> setup(BridgeConnection connection) {
    List<Future<JsonObject>> registered = new ArrayList<>(handles);
    for (long h = firstHandle; h < firstHandle + handles; h++) {
      registered.add(connection.request(Addresses.REGISTER, new JsonObject().put("handle", h)
          .put("ipAddress", "198.51.100.7:" + (h % 60_000)).put("hostname", "bench").put("connectionType", "telnet")));
    }
    return Future.all(registered).mapEmpty();
  }

  @Override
  public Future<Void> unit(BridgeConnection connection, long intendedStartNanos, Measurements measurements) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long handle = firstHandle + random.nextInt(handles);
    Future<JsonObject> reply = random.nextDouble() < touchShare
        ? connection.request(Addresses.TOUCH, new JsonObject().put("handle", handle))
        : connection.request(Addresses.UPDATE, new JsonObject().put("handle", handle).put("metadata",
            new JsonObject().put(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(System.currentTimeMillis()))));
    return reply.transform(ar -> {
      if (ar.succeeded()) {
        measurements.success(intendedStartNanos);
      } else {
        measurements.failure(intendedStartNanos, ar.cause());
      }
      return Future.succeededFuture();
    });
  }
}
