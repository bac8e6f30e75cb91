package dev.connstate.boot;

import dev.connstate.config.ConfigException;
import dev.connstate.config.SidecarConfig;
import dev.connstate.events.EventSubscriber;
import dev.connstate.ingress.CommandIngress;
import dev.connstate.ingress.CommandParser;
import dev.connstate.ingress.bridge.BridgeServer;
import dev.connstate.ingress.bridge.SessionTies;
import dev.connstate.liveness.ClientSessions;
import dev.connstate.liveness.ConvergenceAudit;
import dev.connstate.liveness.OwnerLease;
import dev.connstate.liveness.Reaper;
import dev.connstate.ops.FatalErrors;
import dev.connstate.ops.HealthReport;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.OpsServer;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.ops.RedisClientLog;
import dev.connstate.ops.RedisHealth;
import dev.connstate.ops.Secrets;
import dev.connstate.redis.RedisClients;
import dev.connstate.redis.RedisConnector;
import dev.connstate.redis.ReplicaCheck;
import dev.connstate.redis.SentinelMaster;
import dev.connstate.shard.Reloader;
import dev.connstate.shard.Backoff;
import dev.connstate.shard.ResyncRequests;
import dev.connstate.shard.ShardEnvironment;
import dev.connstate.shard.ShardTotals;
import dev.connstate.shard.ShardVerticle;
import dev.connstate.shard.Shards;
import dev.connstate.store.Fence;
import dev.connstate.store.RedisKeys;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sidecar, in its own Vert.x instance. {@link #start} is the whole boot path, top
 * to bottom: metrics and Vert.x, the Redis client, the health endpoints, the owner lease
 * (DESIGN §7: taken before the load, so that no other sidecar judges a restarted one dead
 * while it loads), the event subscription (holding events), the shards, the startup load, then
 * the event delivery, the client sessions' grace, the reaper and the convergence audit, and only
 * then the command consumers and the TCP bridge, so that no command is answered before the load
 * has finished.
 * Each step's outcome is logged; a failed step stops everything.
 */
public final class Sidecar {
  private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);
  /** A resync that failed runs again after this backoff, until one succeeds. */
  private static final Backoff RESYNC_RETRY = new Backoff(200, 5_000);

  private final SidecarConfig config;
  private final String redisUrl;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final Metrics metrics;
  private final AtomicBoolean loaded = new AtomicBoolean();
  private final ShardTotals totals = new ShardTotals();
  private volatile Reloader.LoadReport startupLoad;
  private Redis redis;
  private SentinelMaster sentinel;
  private RedisHealth redisHealth;
  private OpsServer ops;
  private BridgeServer bridge;
  private Shards shards;
  private Reloader reloader;
  /** Removes the Redis client's log filter at stop. */
  private Runnable redisClientLog = () -> { };
  /** Null when leases are off ({@code leaseTtlMs: 0}, or the v1 store). */
  private OwnerLease lease;
  /** Null with the v1 store. */
  private ClientSessions sessions;
  /** Null with the v1 store. */
  private volatile ConvergenceAudit audit;
  private final List<String> commandDeployments = new ArrayList<>();

  private Sidecar(SidecarConfig config, String redisUrl, Vertx vertx, PrometheusMeterRegistry registry) {
    this.config = config;
    this.redisUrl = redisUrl;
    this.vertx = vertx;
    this.registry = registry;
    this.metrics = new Metrics(registry);
    observe();
  }

  /**
   * Boots a sidecar against the Redis at {@code redisUrl} (the configured URL, or the embedded
   * server {@code serve} started). Succeeds once it answers commands.
   */
  public static Future<Sidecar> start(SidecarConfig config, String redisUrl) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metricsOptions(config)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    FatalErrors.install(vertx);
    Sidecar sidecar = new Sidecar(config, redisUrl, vertx, registry);
    // completed outside Vert.x: after a failed boot, Vert.x is closed before the caller hears of it
    Promise<Sidecar> started = Promise.promise();
    sidecar.boot().onComplete(ar -> {
      if (ar.succeeded()) {
        started.complete(sidecar);
      } else {
        LOG.error("connstate failed to start: {}", ar.cause().getMessage());
        LOG.debug("start-up failure", ar.cause());
        sidecar.shutDown().onComplete(closed -> started.fail(ar.cause()));
      }
    });
    return started.future();
  }

  private static MicrometerMetricsOptions metricsOptions(SidecarConfig config) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
    if (!config.eventBusMetrics()) {
      // ~10% of the CPU per command (meter lookups per message), and connstate_commands_total
      // already counts every command by address and outcome
      options.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    return options;
  }

  private Future<Sidecar> boot() {
    long started = System.currentTimeMillis();
    int shardCount = config.effectiveShards(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE);
    RedisKeys keys = new RedisKeys(config.keyPrefix());
    RateLimitedLog problems = new RateLimitedLog(LoggerFactory.getLogger("dev.connstate.problems"), 5_000);
    redisClientLog = RedisClientLog.install(metrics, problems);
    RedisOptions redisOptions;
    SidecarConfig.LivenessSettings liveness = config.liveness();
    boolean v2 = config.schema() != SidecarConfig.StoreSchema.LEGACY;
    if (!v2) {
      LOG.info("store.schema legacy: owner leases, expiry, client sessions and the convergence audit are off "
          + "(DESIGN §7 needs the v2 change script and its versions)");
    }
    sessions = v2 ? new ClientSessions(vertx, config.instanceId(), liveness.sessionGraceMs(), metrics, problems)
        : null;
    try {
      // first: a bad client list, an unreadable TLS file or an unsafe bridge binding stops the
      // start before anything runs
      bridge = new BridgeServer(config.bridge(), metrics, problems, sessions == null ? SessionTies.NONE : sessions);
      redisOptions = RedisClients.options(config.redis(), redisUrl, shardCount);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    redis = Redis.createClient(vertx, redisOptions);
    redisHealth = new RedisHealth(vertx, redis, 1_000, Math.max(1_000, config.degradedLatencyMs() * 10), metrics);
    redisHealth.start();
    sentinel = config.redis().mode() == SidecarConfig.RedisMode.SENTINEL
        ? new SentinelMaster(vertx, redisOptions) : null;
    RedisConnector connector = sentinel != null ? sentinel : redis::connect;
    ResyncRequests resyncRequests = new ResyncRequests();
    lease = v2 && liveness.leases() ? new OwnerLease(connector, keys, config.instanceId(), liveness.leaseTtlMs(),
        metrics, problems, () -> reloader.reload()) : null;
    if (v2 && lease == null) {
      LOG.warn("owner leases are off (leaseTtlMs 0): a dead sidecar's connections stay until their {} ms expiry",
          config.connectionTtlMs());
    }
    ShardEnvironment env = new ShardEnvironment(config, Stores.factory(config, redis, redisOptions, connector, keys,
        lease == null ? Fence.NONE : lease, metrics, problems), totals, resyncRequests, metrics, problems);
    List<ShardVerticle> shardList = new ArrayList<>();
    for (int i = 0; i < shardCount; i++) {
      shardList.add(new ShardVerticle(i, env));
    }
    shards = new Shards(shardList, totals, redisHealth::last, config.limits().maxReplyBytes());
    reloader = new Reloader(vertx, shards, totals, config.redis().loadBatchSize(), RESYNC_RETRY, metrics, problems);
    resyncRequests.serveWith(reloader::resync);
    audit = v2 ? new ConvergenceAudit(shards, keys, liveness.auditIntervalMs(), liveness.auditSample(),
        ConvergenceAudit.SETTLE_MS, metrics, problems, this::ready) : null;
    if (v2 && liveness.auditIntervalMs() == 0) {
      LOG.info("the convergence audit is off (auditIntervalMs 0): nothing compares this sidecar's connections with "
          + "Redis");
    }
    EventSubscriber subscriber = new EventSubscriber(connector, keys.eventsChannel(), shards::apply,
        resyncRequests::request, metrics, problems);
    HealthReport health = new HealthReport(vertx, redisHealth, config.degradedLatencyMs(), totals::pendingHandles,
        config.maxPendingHandles(), this::startupState, this::bridgeState, this::leaseState, reloader::eventsState);
    ops = new OpsServer(config.http().host(), config.http().port(), registry, () -> health);
    LOG.info("connstate {} starting: instance {}, Redis {} ({}), key prefix '{}', {} shards", version(),
        config.instanceId(), Secrets.redact(redisUrl), config.redis().mode().name().toLowerCase(),
        config.keyPrefix(), shardCount);
    return vertx.deployVerticle(ops)
        .compose(id -> sentinel == null ? Future.succeededFuture() : sentinel.start())
        .compose(v -> ReplicaCheck.run(redis, config.redis()))
        .compose(v -> lease == null ? Future.succeededFuture() : vertx.deployVerticle(lease))
        .compose(v -> vertx.deployVerticle(subscriber))
        .compose(id -> deployAll(shardList))
        .compose(v -> reloader.load())
        .compose(report -> {
          startupLoad = report;
          LOG.info("startup load: {} connections in {} ms; {} orphans removed from {}", report.connections(),
              report.millis(), report.orphansRemoved(), keys.active());
          return subscriber.deliver();
        })
        .compose(v -> sessions == null ? Future.succeededFuture() : sessions.start(shards))
        .compose(v -> lease == null ? Future.succeededFuture() : vertx.deployVerticle(new Reaper(connector, keys,
            config.instanceId(), lease, shards, liveness.leaseTtlMs(), liveness.reapIntervalMs(), metrics, problems)))
        .compose(v -> audit == null ? Future.succeededFuture() : vertx.deployVerticle(audit))
        .compose(v -> deployCommands())
        .map(v -> {
          loaded.set(true);
          LOG.info("connstate ready in {} ms: {} connections, bridge on {}:{}, health on port {}",
              System.currentTimeMillis() - started, totals.connections(),
              config.bridge().host(), bridge.actualPort(), ops.actualPort());
          return this;
        });
  }

  /** Gauges read the state the sidecar keeps; nothing is kept in the metrics. */
  private void observe() {
    metrics.connectionGauges(totals::connections);
    metrics.gauge(MetricNames.PENDING_WRITES, totals::pendingHandles);
    metrics.gauge(MetricNames.PENDING_WRITES_LIMIT, config::maxPendingHandles);
    metrics.gauge(MetricNames.STARTUP_LOAD, () -> startupLoad == null ? Double.NaN : startupLoad.millis() / 1000.0);
    metrics.gauge(MetricNames.READY, () -> ready() ? 1 : 0);
  }

  private Future<Void> deployAll(List<ShardVerticle> list) {
    Future<String> chain = Future.succeededFuture();
    for (ShardVerticle shard : list) {
      chain = chain.compose(id -> vertx.deployVerticle(shard,
          new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP)));
    }
    return chain.mapEmpty();
  }

  private JsonObject startupState() {
    Reloader.LoadReport report = startupLoad;
    JsonObject state = new JsonObject().put("loaded", loaded.get()).put("connections", totals.connections());
    return report == null ? state : state.put("durationMs", report.millis());
  }

  private JsonObject leaseState() {
    OwnerLease current = lease;
    if (current == null) {
      return new JsonObject().put("ready", true).put("leases", "off");
    }
    return current.state().put("ready", current.ready());
  }

  private JsonObject bridgeState() {
    BridgeServer server = bridge;
    return server == null || !server.listening() ? new JsonObject().put("listening", false)
        : new JsonObject().put("listening", true).put("port", server.actualPort()).put("clients", server.clients());
  }

  private Future<Void> deployCommands() {
    CommandIngress ingress = new CommandIngress(new CommandParser(config.limits()), shards, metrics);
    bridge.dispatchTo(ingress);
    return vertx.deployVerticle(ingress)
        .compose(id -> {
          commandDeployments.add(id);
          return vertx.deployVerticle(bridge);
        })
        .map(id -> {
          commandDeployments.add(id);
          return null;
        });
  }

  /**
   * Stops gracefully: stops taking commands (consumers and bridge), flushes pending writes for
   * at most {@code shutdownDrainMs}, logs any it could not store, then closes Redis and Vert.x.
   * The returned future is completed from outside any Vert.x context, so a caller can wait on
   * it after Vert.x is gone.
   */
  public Future<Void> stop() {
    LOG.info("connstate stopping");
    loaded.set(false);
    if (reloader != null) {
      reloader.stop();
    }
    Promise<Void> stopped = Promise.promise();
    Future<Void> commandsStopped = Future.succeededFuture();
    for (String id : commandDeployments) {
      commandsStopped = commandsStopped.compose(v -> vertx.undeploy(id));
    }
    commandsStopped.transform(undeployed -> {
      if (undeployed.failed()) {
        LOG.warn("stopping the command consumers failed: {}", undeployed.cause().toString());
      }
      return shards == null ? Future.succeededFuture(List.<String>of()) : shards.drain(config.shutdownDrainMs());
    }).onComplete(drained -> {
      reportDrain(drained);
      shutDown().onComplete(closed -> {
        LOG.info("connstate stopped");
        stopped.handle(closed);
      });
    });
    return stopped.future();
  }

  private void reportDrain(io.vertx.core.AsyncResult<List<String>> drained) {
    if (drained.failed()) {
      LOG.error("shutdown: could not flush pending writes: {}", drained.cause().toString());
    } else if (drained.result().isEmpty()) {
      LOG.info("shutdown: every acknowledged change is stored in Redis");
    } else {
      List<String> lost = drained.result();
      LOG.error("shutdown: {} connections had changes Redis did not confirm within {} ms (shutdownDrainMs); those "
          + "not sent are lost, those sent may still be applied: {}{}", lost.size(), config.shutdownDrainMs(),
          String.join("; ", lost.subList(0, Math.min(20, lost.size()))), lost.size() > 20 ? "; …" : "");
    }
  }

  /** Closes the Redis client, then Vert.x; whatever failed to start is simply closed. */
  private Future<Void> shutDown() {
    if (redisHealth != null) {
      redisHealth.stop();
    }
    Promise<Void> closed = Promise.promise();
    // verticles first: their connections close for good instead of seeing the client vanish
    List<Future<Void>> undeployed = new ArrayList<>();
    vertx.deploymentIDs().forEach(id -> undeployed.add(vertx.undeploy(id)));
    Future.join(undeployed)
        .transform(v -> sentinel == null ? Future.<Void>succeededFuture() : sentinel.close())
        .transform(v -> redis == null ? Future.<Void>succeededFuture() : redis.close())
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("closing the Redis client failed: {}", ar.cause().toString());
          }
          vertx.close().onComplete(v -> {
            redisClientLog.run();
            closed.handle(v);
          });
        });
    return closed.future();
  }

  public Vertx vertx() {
    return vertx;
  }

  public SidecarConfig config() {
    return config;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** True once the startup load finished and commands are answered, while the owner lease holds. */
  public boolean ready() {
    OwnerLease current = lease;
    return loaded.get() && (current == null || current.ready());
  }

  /**
   * The convergence audit (DESIGN §7), which runs every {@code auditIntervalMs} and can be run
   * at once with {@link ConvergenceAudit#runNow}; null with the v1 store
   * ({@code store.schema legacy}), which has neither versions nor events to audit by.
   */
  public ConvergenceAudit audit() {
    return audit;
  }

  /** The port the TCP bridge listens on. */
  public int bridgePort() {
    return bridge.actualPort();
  }

  /** The port of the health and metrics endpoints. */
  public int httpPort() {
    return ops.actualPort();
  }

  /** The running version, from the jar's manifest. */
  public static String version() {
    String v = Sidecar.class.getPackage().getImplementationVersion();
    return v == null ? "(development)" : v;
  }
}
