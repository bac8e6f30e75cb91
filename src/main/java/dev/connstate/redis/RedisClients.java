package dev.connstate.redis;

import dev.connstate.config.SidecarConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

/**
 * Builds the Vert.x Redis client from the configuration: the mode is the client's own
 * (standalone, sentinel, cluster), the URL may list several endpoints separated by commas.
 */
public final class RedisClients {
  /** Connections beyond one per shard: the event subscription, health checks, the startup load. */
  private static final int EXTRA_CONNECTIONS = 4;

  private RedisClients() {
  }

  /** Client options for {@code url} with a pool large enough for the shards. */
  public static RedisOptions options(SidecarConfig.RedisSettings settings, String url, int shards) {
    RedisOptions options = new RedisOptions()
        .setType(RedisClientType.valueOf(settings.mode().name()))
        .setMaxPoolSize(settings.maxPoolSize() > 0 ? settings.maxPoolSize() : shards + EXTRA_CONNECTIONS)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(65536)
        // RESP2: a hash arrives as a flat array read straight into a record; RESP3 makes the
        // client build a map of it first (a third of a 100,000-connection startup load)
        .setPreferredProtocolVersion(ProtocolVersion.RESP2);
    for (String endpoint : url.split(",")) {
      if (!endpoint.isBlank()) {
        options.addConnectionString(endpoint.trim());
      }
    }
    if (settings.mode() == SidecarConfig.RedisMode.SENTINEL) {
      options.setMasterName(settings.masterName()).setRole(RedisRole.MASTER);
    }
    return options;
  }

  public static Redis create(Vertx vertx, SidecarConfig.RedisSettings settings, String url, int shards) {
    return Redis.createClient(vertx, options(settings, url, shards));
  }
}
