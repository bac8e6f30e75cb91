package dev.connstate.store;

import dev.connstate.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
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
 * scheme ({@code rediss://}: TLS) and credentials of the configured URL and the sidecar's own
 * Redis options.
 */
public final class ClusterScan {
  private final Vertx vertx;
  private final Redis cluster;
  private final RedisOptions configured;
  private final String scheme;
  private final String userInfo;
  /** The host of the configured endpoint: where a node that does not know its own address is. */
  private final String seedHost;

  /**
   * @param configured the options of {@code cluster} ({@link RedisClients#options}): the scheme
   *     and credentials of its first endpoint are used for every master
   */
  public ClusterScan(Vertx vertx, Redis cluster, RedisOptions configured) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.configured = configured;
    String first = configured.getEndpoints().get(0);
    this.scheme = RedisClients.schemeOf(first);
    URI seed = URI.create(first);
    this.userInfo = seed.getRawUserInfo();
    this.seedHost = seed.getHost();
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
    Redis node = Redis.createClient(vertx,
        RedisClients.node(configured, scheme + (userInfo == null ? "" : userInfo + "@") + master, 1));
    return ActiveSet.scanHashes(node::send, keys).eventually(node::close);
  }

  /**
   * {@code host:port} of each master: the first node of each slot range. A node that does not
   * know its own address (a one-node cluster: {@code ""}) or is configured to hide it (NULL,
   * {@code ?}) is reached at the configured host, as Redis documents for {@code CLUSTER SLOTS}.
   */
  private Set<String> masters(Response slots) {
    Set<String> masters = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      String host = master.get(0) == null ? "" : master.get(0).toString();
      if (host.isEmpty() || host.equals("?")) {
        host = seedHost;
      }
      masters.add((host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
          + master.get(1).toInteger());
    }
    return masters;
  }
}
