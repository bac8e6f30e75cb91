package dev.connstate.boot;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.redis.ConnectionReport;
import dev.connstate.redis.RedisConnector;
import dev.connstate.shard.StoreFactory;
import dev.connstate.store.ActiveSet;
import dev.connstate.store.ClusterScan;
import dev.connstate.store.Fence;
import dev.connstate.store.ManagedConnection;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.hash.HashStore;
import dev.connstate.store.legacy.LegacyStore;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * Which store each {@code store.schema} puts behind the shards' port: {@code hash} and
 * {@code dual}, the v2 {@link HashStore} on a pipelined connection of each shard's own;
 * {@code legacy}, the v1 {@link LegacyStore} on pooled connections.
 */
final class Stores {
  /** Requests one shard keeps unanswered on its connection before further ones wait. */
  private static final int MAX_INFLIGHT = 8192;

  private Stores() {
  }

  /**
   * @param redis the pooled client (the v1 store's transactions, Redis Cluster's scan)
   * @param redisOptions the options {@code redis} was made with (Redis Cluster's scan reaches each
   *     master with them)
   * @param connector where each shard's own connection comes from (the master, in Sentinel mode)
   * @param fence the owner lease each change carries; {@link Fence#NONE} without leases
   */
  static StoreFactory factory(SidecarConfig config, Redis redis, RedisOptions redisOptions, RedisConnector connector,
                              RedisKeys keys, Fence fence, Metrics metrics, RateLimitedLog problems) {
    boolean cluster = config.redis().mode() == SidecarConfig.RedisMode.CLUSTER;
    if (config.schema() == SidecarConfig.StoreSchema.LEGACY) {
      ActiveSet active = new ActiveSet(redis::send, keys, cluster, metrics);
      return (vertx, shard) -> new LegacyStore(vertx, redis, keys, config.connectionTtlMs(), config.legacyRetries(),
          active);
    }
    HashStore.Options options = new HashStore.Options(config.instanceId(), config.connectionTtlMs(), cluster,
        config.schema() == SidecarConfig.StoreSchema.DUAL, config.redis().criticalReplicas(),
        config.redis().replicaAckTimeoutMs(), config.limits().maxMetadataKeys(), config.limits().maxMetadataBytes(),
        fence != Fence.NONE);
    return (vertx, shard) -> {
      ManagedConnection connection = new ManagedConnection(vertx, connector, MAX_INFLIGHT, "shard " + shard,
          new ConnectionReport(metrics, problems));
      ClusterScan scan = cluster ? new ClusterScan(vertx, redis, redisOptions) : null;
      return new HashStore(connection, keys, options, new ActiveSet(connection::send, keys, cluster, metrics), scan,
          fence, shard);
    };
  }
}
