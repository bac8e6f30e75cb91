package dev.connstate.liveness;

import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.redis.ConnectionReport;
import dev.connstate.redis.RedisConnector;
import dev.connstate.store.Fence;
import dev.connstate.store.ManagedConnection;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.Scripts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This sidecar's owner lease (DESIGN §7): {@code sharpmush:lease:{<instanceId>}} holding its
 * epoch, taken at start with a new epoch (a restarted sidecar replaces its predecessor and
 * keeps its connections), renewed every third of {@code leaseTtlMs}.
 *
 * <p>Guarantees: {@link #epochForChange} gives an epoch only while the lease certainly still
 * holds in Redis: until the time the last successful renewal was <em>sent</em> plus the TTL,
 * so a pause (GC, SIGSTOP) or a partition longer than that fences every change locally before
 * Redis would. When the lease is lost (it lapsed, or another process took the id) the sidecar
 * is not ready; it takes a new epoch as soon as the lease is free again (never while another
 * process holds it), reloads every connection from Redis, and only then is ready again.
 */
public final class OwnerLease extends VerticleBase implements Fence {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerLease.class);
  private static final String TAKE = Scripts.lua("lease_take.lua");
  private static final String RENEW = Scripts.lua("lease_renew.lua");

  private final RedisConnector connector;
  private final RedisKeys keys;
  private final String instanceId;
  private final long ttlMs;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final Supplier<Future<Void>> reload;
  private ManagedConnection connection;
  private long timer = -1;
  /** Requests of an earlier round answered late are ignored: only the newest counts. */
  private long round;
  private boolean inFlight;
  /** The epoch last held, for taking the lease back only from ourselves. */
  private volatile String lastEpoch = "";
  private volatile String heldByOther;
  private volatile String epoch;
  private volatile long validUntilNanos;
  private volatile long acquiredAtNanos;
  private volatile boolean reloading;

  /** @param reload brings every shard up to date with Redis after a lost lease was taken again */
  public OwnerLease(RedisConnector connector, RedisKeys keys, String instanceId, long ttlMs, Metrics metrics,
                    RateLimitedLog problems, Supplier<Future<Void>> reload) {
    this.connector = connector;
    this.keys = keys;
    this.instanceId = instanceId;
    this.ttlMs = ttlMs;
    this.metrics = metrics;
    this.problems = problems;
    this.reload = reload;
    metrics.gauge(MetricNames.LEASE_HELD, () -> held() ? 1 : 0);
    metrics.gauge(MetricNames.LEASE_EPOCH, () -> lastEpoch.isEmpty() ? Double.NaN : Long.parseLong(lastEpoch));
  }

  /** Takes the lease (waiting for Redis as long as it takes); completes once it is held. */
  @Override
  public Future<?> start() {
    connection = new ManagedConnection(vertx, connector, 16, "owner lease", new ConnectionReport(metrics, problems));
    return connection.start().compose(v -> firstLease()).onSuccess(v -> {
      timer = vertx.setPeriodic(renewIntervalMs(), id -> tick());
    });
  }

  @Override
  public Future<?> stop() {
    // the lease is left to lapse, not deleted: a sidecar restarted within leaseTtlMs keeps its
    // connections; one that does not come back has them expired by another sidecar
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    epoch = null;
    return connection == null ? Future.succeededFuture() : connection.close();
  }

  private long renewIntervalMs() {
    return Math.max(1, ttlMs / 3);
  }

  private Future<Void> firstLease() {
    long sent = System.nanoTime();
    return eval(TAKE, List.of(keys.lease(instanceId), keys.leaseEpoch(instanceId)),
        List.of(Long.toString(ttlMs), "")).compose(reply -> {
          String taken = reply.get(1).toString();
          acquired(taken, sent);
          LOG.info("owner lease {} taken with epoch {} (ttl {} ms)", keys.lease(instanceId), taken, ttlMs);
          return Future.<Void>succeededFuture();
        }).recover(e -> {
          problems.warn("could not take the owner lease, retrying", keys.lease(instanceId), e);
          return vertx.timer(renewIntervalMs()).compose(v -> firstLease());
        });
  }

  private void acquired(String taken, long sentNanos) {
    lastEpoch = taken;
    heldByOther = null;
    acquiredAtNanos = sentNanos;
    validUntilNanos = sentNanos + ttlMs * 1_000_000;
    epoch = taken;
    metrics.leaseAcquired();
  }

  /** Renews a held lease, or tries to take a lost one again; one request at a time. */
  private void tick() {
    if (epoch != null && System.nanoTime() - validUntilNanos >= 0) {
      lost(MetricNames.LEASE_LAPSED, "it was not renewed within " + ttlMs + " ms (Redis unreachable, or this "
          + "process was paused)");
    }
    if (inFlight) {
      return;
    }
    inFlight = true;
    long myRound = ++round;
    // a request that gets no answer within a renewal interval is given up: the next tick asks again
    long giveUp = vertx.setTimer(renewIntervalMs(), id -> {
      if (round == myRound) {
        LOG.debug("lease request of round {} not answered within {} ms; asking again", myRound, renewIntervalMs());
        inFlight = false;
      }
    });
    Future<Void> step = epoch != null ? renewNow() : takeBack();
    step.onComplete(ar -> {
      vertx.cancelTimer(giveUp);
      if (round != myRound) {
        return;
      }
      inFlight = false;
      if (ar.failed()) {
        problems.warn(epoch != null ? "renewing the owner lease failed, retrying" : "taking the owner lease back "
            + "failed, retrying", keys.lease(instanceId), ar.cause());
      }
    });
  }

  private Future<Void> renewNow() {
    String held = epoch;
    long sent = System.nanoTime();
    return eval(RENEW, List.of(keys.lease(instanceId)), List.of(Long.toString(ttlMs), held)).map(reply -> {
      if (!held.equals(epoch)) {
        return null;
      }
      if (reply.get(0).toLong() == 1) {
        validUntilNanos = sent + ttlMs * 1_000_000;
      } else {
        Response now = reply.size() > 1 ? reply.get(1) : null;
        lost(now == null ? MetricNames.LEASE_LAPSED : MetricNames.LEASE_TAKEN, now == null
            ? "it lapsed in Redis before it was renewed (this process paused or was cut off for over " + ttlMs + " ms)"
            : "another process took instance id " + instanceId + " (epoch " + now + ")");
      }
      return null;
    });
  }

  private void lost(String reason, String why) {
    if (epoch == null) {
      return;
    }
    epoch = null;
    metrics.leaseLost(reason);
    LOG.warn("owner lease {} lost (epoch {}): {}; changes are refused (503) and /health is DOWN until a new "
        + "lease is taken and every connection reloaded", keys.lease(instanceId), lastEpoch, why);
    // at once, not a renewal interval later
    vertx.runOnContext(v -> tick());
  }

  private Future<Void> takeBack() {
    long sent = System.nanoTime();
    return eval(TAKE, List.of(keys.lease(instanceId), keys.leaseEpoch(instanceId)),
        List.of(Long.toString(ttlMs), lastEpoch)).compose(reply -> {
          String value = reply.get(1).toString();
          if (reply.get(0).toLong() != 1) {
            if (!value.equals(heldByOther)) {
              heldByOther = value;
              LOG.error("instance id {} is held by another process (lease epoch {}): this sidecar stays fenced and "
                  + "not ready until that lease lapses. Give every sidecar its own instanceId "
                  + "(CONNSTATE_INSTANCE_ID)", instanceId, value);
            }
            return Future.succeededFuture();
          }
          reloading = true;
          acquired(value, sent);
          LOG.info("owner lease {} taken again with epoch {}; reloading every connection", keys.lease(instanceId),
              value);
          long started = System.nanoTime();
          return reload.get().map(v -> {
            LOG.info("reloaded after the lost lease in {} ms; ready again", (System.nanoTime() - started) / 1_000_000);
            return (Void) null;
          }).recover(e -> {
            // the lease is held: serving again beats staying unready; the next resync catches up
            problems.warn("reloading after the lost lease failed; ready again, the next reconnection resyncs",
                keys.lease(instanceId), e);
            return Future.succeededFuture();
          }).onComplete(ar -> reloading = false);
        });
  }

  /**
   * The lease scripts are a few hundred bytes, sent a few times a second at most: sent whole
   * ({@code EVAL}), they need no script cache on whichever node holds the lease.
   */
  private Future<Response> eval(String script, List<String> scriptKeys, List<String> args) {
    Request request = Request.cmd(Command.EVAL).arg(script).arg(scriptKeys.size());
    scriptKeys.forEach(request::arg);
    args.forEach(request::arg);
    return connection.send(request);
  }

  @Override
  public String epochForChange() {
    String current = epoch;
    if (current != null && System.nanoTime() - validUntilNanos < 0) {
      return current;
    }
    metrics.fenced(MetricNames.FENCED_LOCAL);
    return null;
  }

  @Override
  public void refused(String sentEpoch, String held) {
    metrics.fenced(MetricNames.FENCED_REDIS);
    if (context != null) {
      // Redis knows first: find out now rather than at the next renewal
      context.runOnContext(v -> {
        if (sentEpoch.equals(epoch)) {
          tick();
        }
      });
    }
  }

  /** True while changes may be written: the lease holds, certainly. */
  public boolean held() {
    String current = epoch;
    return current != null && System.nanoTime() - validUntilNanos < 0;
  }

  /** Held, and not reloading after a loss: what readiness requires. */
  public boolean ready() {
    return held() && !reloading;
  }

  /**
   * True if the lease has been held without a break for at least {@code ms}: only then may this
   * sidecar judge other owners dead (they had as long to take their leases back after an outage
   * that cost every sidecar its lease).
   */
  public boolean heldFor(long ms) {
    return held() && System.nanoTime() - acquiredAtNanos >= ms * 1_000_000;
  }

  /** The {@code lease} check of {@code /health}. */
  public JsonObject state() {
    JsonObject state = new JsonObject().put("instanceId", instanceId).put("ttlMs", ttlMs).put("held", held());
    if (!lastEpoch.isEmpty()) {
      state.put("epoch", Long.parseLong(lastEpoch));
    }
    if (reloading) {
      state.put("reloading", true);
    }
    if (heldByOther != null && epoch == null) {
      state.put("heldByOtherProcess", Long.parseLong(heldByOther));
    }
    return state;
  }
}
