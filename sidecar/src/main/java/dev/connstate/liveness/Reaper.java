package dev.connstate.liveness;

import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.redis.ConnectionReport;
import dev.connstate.redis.RedisConnector;
import dev.connstate.shard.Expiry;
import dev.connstate.shard.Shards;
import dev.connstate.store.ManagedConnection;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires the connections of dead owners (DESIGN §7). Every {@code reapIntervalMs} it looks
 * for owners in {@code sharpmush:owners} whose lease is gone; for each, the one sidecar that
 * wins {@code SET sharpmush:reap:{<owner>} NX PX …} expires the owner's connections one by one
 * through their shards and the change script (type {@code expired}), until the owner's index is
 * empty, then drops the owner from {@code sharpmush:owners}.
 *
 * <p>Guarantees: each connection is expired once, whichever sidecars reap (the script removes
 * it only if it still exists with that owner, and, outside Redis Cluster, only while the owner
 * has no lease); an owner that takes its lease back stops the reaping. A sidecar reaps only
 * after holding its own lease for a whole {@code leaseTtlMs}, so after an outage that cost
 * every sidecar its lease, the live ones have taken theirs back before anyone judges them dead.
 */
public final class Reaper extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
  /** Connections asked for, and expired concurrently, per round trip. */
  static final int BATCH = 500;

  private final RedisConnector connector;
  private final RedisKeys keys;
  private final String instanceId;
  private final OwnerLease lease;
  private final Shards shards;
  private final long ttlMs;
  private final long intervalMs;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private ManagedConnection connection;
  private long timer = -1;
  private boolean running;

  public Reaper(RedisConnector connector, RedisKeys keys, String instanceId, OwnerLease lease, Shards shards,
                long ttlMs, long intervalMs, Metrics metrics, RateLimitedLog problems) {
    this.connector = connector;
    this.keys = keys;
    this.instanceId = instanceId;
    this.lease = lease;
    this.shards = shards;
    this.ttlMs = ttlMs;
    this.intervalMs = intervalMs;
    this.metrics = metrics;
    this.problems = problems;
  }

  @Override
  public Future<?> start() {
    connection = new ManagedConnection(vertx, connector, 64, "reaper", new ConnectionReport(metrics, problems));
    timer = vertx.setPeriodic(intervalMs, id -> reapNow());
    // not waited for: the reaper works whenever Redis is there (start retries until it is)
    connection.start().onFailure(e -> LOG.debug("reaper connection closed before it connected: {}", e.getMessage()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return connection.close();
  }

  /** One look for dead owners (also what the timer runs); completes with how many connections it expired. */
  public Future<Integer> reapNow() {
    if (running || !lease.heldFor(ttlMs)) {
      return Future.succeededFuture(0);
    }
    running = true;
    return send(Request.cmd(Command.SMEMBERS).arg(keys.owners()))
        .compose(owners -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (Response owner : owners) {
            String id = owner.toString();
            if (!id.equals(instanceId)) {
              chain = chain.compose(sum -> reapIfDead(id).map(n -> sum + n));
            }
          }
          return chain;
        })
        .onComplete(ar -> {
          running = false;
          if (ar.failed()) {
            problems.warn("looking for dead owners failed; the next interval looks again", keys.owners(), ar.cause());
          }
        })
        .recover(e -> Future.succeededFuture(0));
  }

  private Future<Integer> reapIfDead(String owner) {
    return alive(owner).compose(alive -> alive ? Future.succeededFuture(0)
        : send(Request.cmd(Command.SET).arg(keys.reap(owner)).arg(instanceId).arg("NX").arg("PX").arg(claimMs()))
            .compose(claimed -> claimed == null ? Future.succeededFuture(0) : reap(owner)));
  }

  /** A claim outlives a reaper that died mid-way by little, so another sidecar soon takes over. */
  private long claimMs() {
    return Math.max(2 * intervalMs, 1_000);
  }

  private Future<Boolean> alive(String owner) {
    return send(Request.cmd(Command.EXISTS).arg(keys.lease(owner))).map(r -> r.toLong() == 1);
  }

  private Future<Integer> reap(String owner) {
    long started = System.nanoTime();
    return send(Request.cmd(Command.SCARD).arg(keys.owner(owner))).compose(count -> {
      if (count.toLong() > 0) {
        LOG.warn("owner {} holds no lease ({} gone): expiring its {} connections", owner, keys.lease(owner),
            count.toLong());
      }
      return expireAll(owner, 0);
    }).compose(expired -> {
      if (expired > 0) {
        metrics.reaped();
        LOG.info("expired {} connections of dead owner {} in {} ms", expired, owner,
            (System.nanoTime() - started) / 1_000_000);
      }
      return retireIfDone(owner).map(expired);
    });
  }

  /** Batches until the owner's index is empty, or the owner is back, or this sidecar lost its lease. */
  private Future<Integer> expireAll(String owner, int expiredSoFar) {
    if (!lease.held()) {
      return Future.succeededFuture(expiredSoFar);
    }
    return send(Request.cmd(Command.SRANDMEMBER).arg(keys.owner(owner)).arg(BATCH)).compose(members -> {
      if (members == null || members.size() == 0) {
        return Future.succeededFuture(expiredSoFar);
      }
      List<Future<Boolean>> expiries = new ArrayList<>(members.size());
      for (Response member : members) {
        expiries.add(expire(owner, member.toString()));
      }
      return Future.all(expiries).compose(all -> {
        int expired = expiredSoFar;
        for (Future<Boolean> f : expiries) {
          expired += f.result() ? 1 : 0;
        }
        int total = expired;
        // keep the claim while working; stop if the owner took its lease back meanwhile
        return send(Request.cmd(Command.PEXPIRE).arg(keys.reap(owner)).arg(claimMs()))
            .compose(v -> alive(owner))
            .compose(alive -> alive ? Future.succeededFuture(total) : expireAll(owner, total));
      });
    });
  }

  private Future<Boolean> expire(String owner, String member) {
    long handle;
    try {
      handle = Long.parseLong(member);
    } catch (NumberFormatException e) {
      problems.warn("the owner index holds a member that is not a handle; removed", keys.owner(owner) + " member '"
          + member + "'", null);
      return send(Request.cmd(Command.SREM).arg(keys.owner(owner)).arg(member)).map(false);
    }
    return shards.expire(handle, Expiry.ownerLeaseExpired(owner)).map(reply -> reply.getBoolean("expired", false));
  }

  /**
   * Drops an owner whose index is empty from the owners set. An owner that took a lease in the
   * meantime (and may have registered since) is put back: it registers only while it holds one.
   */
  private Future<Void> retireIfDone(String owner) {
    return send(Request.cmd(Command.SCARD).arg(keys.owner(owner))).compose(left -> left.toLong() > 0
        ? Future.succeededFuture()
        : send(Request.cmd(Command.SREM).arg(keys.owners()).arg(owner))
            .compose(v -> alive(owner))
            .compose(alive -> alive ? send(Request.cmd(Command.SADD).arg(keys.owners()).arg(owner)).mapEmpty()
                : Future.succeededFuture()));
  }

  private Future<Response> send(Request request) {
    return connection.send(request);
  }
}
