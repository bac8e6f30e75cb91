package dev.connstate.shard;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.store.RedisKeys;
import io.vertx.redis.client.Redis;

/**
 * What every shard shares: configuration, key names, the Redis client it takes its own
 * connection from, metrics, and the rate-limited log for repeating failures.
 */
public record ShardEnvironment(SidecarConfig config, RedisKeys keys, Redis redis, Metrics metrics,
                               RateLimitedLog problems) {

  /** True if this sidecar wrote the event (its origin is our instance id). */
  public boolean ownOrigin(String origin) {
    return config.instanceId().equals(origin);
  }
}
