package dev.connstate.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoints (DESIGN §6): {@code /health/live} (the process and this event
 * loop answer: no dependency is checked), {@code /health} (readiness, see {@link HealthReport};
 * 503 when DOWN) and {@code /metrics} (Prometheus text: Vert.x's metrics and the sidecar's own).
 * It starts before the startup load, so liveness answers while the sidecar loads.
 */
public final class OpsServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
  public static final String LIVE = "/health/live";
  public static final String HEALTH = "/health";
  public static final String METRICS = "/metrics";

  private final String host;
  private final int port;
  private final PrometheusMeterRegistry registry;
  private final Supplier<HealthReport> health;
  private HttpServer server;

  /** {@code health} is asked for each request: the report is built once the sidecar knows its parts. */
  public OpsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<HealthReport> health) {
    this.host = host;
    this.port = port;
    this.registry = registry;
    this.health = health;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get(LIVE).handler(ctx -> json(ctx, 200, new JsonObject().put("status", HealthReport.UP)));
    router.get(HEALTH).handler(this::health);
    router.get(METRICS).handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(port, host)
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + host + ":" + port
            + " for health and metrics (set http.port / CONNSTATE_HTTP_PORT): " + e.getMessage(), e)))
        .onSuccess(s -> LOG.info("health and metrics on http://{}:{}{}", host, s.actualPort(), HEALTH));
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
    health.get().evaluate().onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("the health report failed", ar.cause());
        json(ctx, 503, new JsonObject().put("status", HealthReport.DOWN).put("error", String.valueOf(ar.cause())));
      } else {
        json(ctx, HealthReport.DOWN.equals(ar.result().getString("status")) ? 503 : 200, ar.result());
      }
    });
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
