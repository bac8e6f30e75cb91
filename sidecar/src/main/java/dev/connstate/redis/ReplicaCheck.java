package dev.connstate.redis;

import dev.connstate.config.SidecarConfig;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, tells the operator when {@code redis.criticalReplicas} cannot be met: a master with
 * fewer replicas connected would answer every critical change 503. A warning, not a refusal to
 * start: a replica may be on its way.
 */
public final class ReplicaCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaCheck.class);

  private ReplicaCheck() {
  }

  /** Logs what it finds; never fails. */
  public static Future<Void> run(Redis redis, SidecarConfig.RedisSettings settings) {
    int required = settings.criticalReplicas();
    if (required == 0) {
      return Future.succeededFuture();
    }
    Request info = Request.cmd(Command.INFO).arg("replication");
    Future<List<Response>> replies = settings.mode() == SidecarConfig.RedisMode.CLUSTER
        ? RedisCluster.create(redis).onAllMasterNodes(info) : redis.send(info).map(List::of);
    return replies.map(all -> {
      long fewest = all.stream().mapToLong(r -> connectedReplicas(r.toString())).min().orElse(0);
      if (fewest < required) {
        LOG.warn("redis.criticalReplicas is {}, but a master has only {} replicas connected: critical changes "
            + "(register, bind, unbind, disconnect) will answer 503 until enough replicas are in sync. Add replicas, "
            + "or set redis.criticalReplicas (CONNSTATE_REDIS_CRITICAL_REPLICAS) lower, knowing that a failover can "
            + "then lose acknowledged changes", required, fewest);
      } else {
        LOG.info("critical changes are acknowledged once {} replica(s) hold them (every master has {} or more)",
            required, fewest);
      }
      return (Void) null;
    }).recover(e -> {
      LOG.warn("could not count the replicas of the Redis master(s): {}", e.getMessage());
      return Future.succeededFuture();
    });
  }

  private static long connectedReplicas(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("connected_slaves:")) {
        return Long.parseLong(line.substring("connected_slaves:".length()).trim());
      }
    }
    return 0;
  }
}
