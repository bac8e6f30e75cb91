package dev.connstate.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Scans the keyspace of every master of a Redis Cluster for v2 hashes, one node after the
 * other, each with its own {@code SCAN} cursor (a cluster has no keyspace-wide SCAN, and the
 * Vert.x cluster client routes a keyless command to any one node). The masters come from
 * {@code CLUSTER SLOTS}; each is reached with a short-lived client of its own, with the
 * credentials of the configured URL.
 */
public final class ClusterScan {
  private final Vertx vertx;
  private final Redis cluster;
  private final String userInfo;

  /** @param url the configured node list; the credentials of its first endpoint are used */
  public ClusterScan(Vertx vertx, Redis cluster, String url) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.userInfo = URI.create(url.split(",")[0].trim()).getRawUserInfo();
  }

  /** Every handle with a v2 hash on any master. */
  public Future<List<Long>> hashes(RedisKeys keys) {
    return cluster.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).compose(slots -> {
      List<Long> found = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (String master : masters(slots)) {
        chain = chain.compose(v -> scanNode(master, keys).map(handles -> {
          found.addAll(handles);
          return null;
        }));
      }
      return chain.map(found);
    });
  }

  private Future<List<Long>> scanNode(String master, RedisKeys keys) {
    Redis node = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString("redis://" + (userInfo == null ? "" : userInfo + "@") + master)
        .setPreferredProtocolVersion(ProtocolVersion.RESP2).setMaxPoolSize(1));
    return ActiveSet.scanHashes(node::send, keys).eventually(node::close);
  }

  /** {@code host:port} of each master: the first node of each slot range. */
  private static Set<String> masters(Response slots) {
    Set<String> masters = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      String host = master.get(0).toString();
      masters.add((host.contains(":") ? "[" + host + "]" : host) + ":" + master.get(1).toInteger());
    }
    return masters;
  }
}
