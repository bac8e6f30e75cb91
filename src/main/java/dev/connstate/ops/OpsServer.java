package dev.connstate.ops;

import dev.connstate.config.SidecarConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoints (DESIGN §6): {@code /health/live} (the process and its event
 * loop answer), {@code /health} (readiness: Redis round trip, startup load; 503 when DOWN) and
 * {@code /metrics} (Prometheus text). Every answer comes from cached state, so a probe never
 * waits on Redis.
 */
public final class OpsServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);

  private final SidecarConfig config;
  private final PrometheusMeterRegistry registry;
  private final RedisHealth redis;
  private final BooleanSupplier loaded;
  private HttpServer server;

  public OpsServer(SidecarConfig config, PrometheusMeterRegistry registry, RedisHealth redis, BooleanSupplier loaded) {
    this.config = config;
    this.registry = registry;
    this.redis = redis;
    this.loaded = loaded;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(config.http().port(), config.http().host())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.http().host() + ":"
            + config.http().port() + " for health and metrics (set http.port / CONNSTATE_HTTP_PORT): "
            + e.getMessage(), e)))
        .onSuccess(s -> LOG.info("health and metrics on http://{}:{}/health", config.http().host(), s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The port the endpoints listen on (the chosen one when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void health(RoutingContext ctx) {
    JsonObject redisCheck = redis.last();
    boolean redisUp = redis.up();
    boolean degraded = redisUp && redisCheck.getDouble("latencyMs", 0.0) > config.degradedLatencyMs();
    JsonObject redisResult = new JsonObject().put("id", "redis")
        .put("status", redisUp ? (degraded ? "DEGRADED" : "UP") : "DOWN").put("data", redisCheck);
    JsonObject load = new JsonObject().put("id", "startup-load").put("status", loaded.getAsBoolean() ? "UP" : "DOWN");
    String status = !redisUp || !loaded.getAsBoolean() ? "DOWN" : degraded ? "DEGRADED" : "UP";
    json(ctx, "DOWN".equals(status) ? 503 : 200, new JsonObject().put("status", status)
        .put("checks", new JsonArray().add(redisResult).add(load)));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
