package dev.connstate.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The readiness report behind {@code GET /health} (DESIGN §6), on Vert.x Health Checks. Six
 * checks, each with its data: {@code redis} (round trip of the last scheduled PING),
 * {@code startup-load}, {@code write-backlog}, {@code bridge}, {@code lease} (DESIGN §7) and
 * {@code events} (events of a lost subscription not yet recovered; never DOWN). Every check reads state the
 * sidecar already keeps, so a probe never waits on Redis and a probe storm never reaches it.
 *
 * <p>Status: any check DOWN (Redis unreachable, load unfinished, backlog full, bridge not
 * listening, owner lease lost or being taken back) makes the report DOWN (HTTP 503); otherwise a Redis round trip above
 * {@code degradedLatencyMs} makes it DEGRADED (HTTP 200); otherwise UP.
 */
public final class HealthReport {
  public static final String REDIS = "redis";
  public static final String STARTUP_LOAD = "startup-load";
  public static final String WRITE_BACKLOG = "write-backlog";
  public static final String BRIDGE = "bridge";
  public static final String LEASE = "lease";
  public static final String EVENTS = "events";
  public static final String UP = "UP";
  public static final String DEGRADED = "DEGRADED";
  public static final String DOWN = "DOWN";
  private static final List<String> ORDER = List.of(REDIS, STARTUP_LOAD, WRITE_BACKLOG, BRIDGE, LEASE, EVENTS);

  private final HealthChecks checks;
  private final long degradedLatencyMs;

  /**
   * @param pendingHandles handles with changes not yet stored, read at each probe
   * @param startup the startup-load state: {@code loaded} (boolean) and what is known so far
   * @param bridge the bridge state: {@code listening} (boolean), {@code port}, {@code clients}
   * @param lease the owner lease: {@code ready} (boolean: held and not reloading) and its details
   * @param events whether events are known to be missing ({@code missing}) and since when; always UP:
   *     commands are answered meanwhile, and the resync is retried by itself
   */
  public HealthReport(Vertx vertx, RedisHealth redis, long degradedLatencyMs, LongSupplier pendingHandles,
                      long maxPendingHandles, Supplier<JsonObject> startup, Supplier<JsonObject> bridge,
                      Supplier<JsonObject> lease, Supplier<JsonObject> events) {
    this.degradedLatencyMs = degradedLatencyMs;
    this.checks = HealthChecks.create(vertx)
        .register(REDIS, p -> p.complete(status(redis.up(), redis.last().put("degradedLatencyMs", degradedLatencyMs))))
        .register(STARTUP_LOAD, p -> {
          JsonObject data = startup.get();
          p.complete(status(data.getBoolean("loaded", false), data));
        })
        .register(WRITE_BACKLOG, p -> {
          long pending = pendingHandles.getAsLong();
          p.complete(status(pending < maxPendingHandles, new JsonObject().put("pending", pending)
              .put("limit", maxPendingHandles)));
        })
        .register(BRIDGE, p -> {
          JsonObject data = bridge.get();
          p.complete(status(data.getBoolean("listening", false), data));
        })
        .register(LEASE, p -> {
          JsonObject data = lease.get();
          p.complete(status(data.getBoolean("ready", false), data));
        })
        .register(EVENTS, p -> p.complete(Status.OK(events.get())));
  }

  private static Status status(boolean ok, JsonObject data) {
    return ok ? Status.OK(data) : Status.KO(data);
  }

  /** {@code {"status": UP|DEGRADED|DOWN, "checks": [{"id", "status", "data"}…]}}. */
  public Future<JsonObject> evaluate() {
    return checks.checkStatus().map(result -> {
      JsonArray rendered = new JsonArray();
      String overall = UP;
      List<CheckResult> ordered = new ArrayList<>(result.getChecks());
      ordered.sort(Comparator.comparingInt(c -> ORDER.indexOf(c.getId())));
      for (CheckResult check : ordered) {
        String status = statusOf(check);
        if (DOWN.equals(status) || DEGRADED.equals(status) && UP.equals(overall)) {
          overall = status;
        }
        rendered.add(new JsonObject().put("id", check.getId()).put("status", status)
            .put("data", check.getData() == null ? new JsonObject() : check.getData()));
      }
      return new JsonObject().put("status", overall).put("checks", rendered);
    });
  }

  private String statusOf(CheckResult check) {
    if (!Boolean.TRUE.equals(check.getUp())) {
      return DOWN;
    }
    if (REDIS.equals(check.getId()) && check.getData() != null
        && check.getData().getDouble("latencyMs", 0.0) > degradedLatencyMs) {
      return DEGRADED;
    }
    return UP;
  }
}
