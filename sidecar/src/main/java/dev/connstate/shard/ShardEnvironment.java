package dev.connstate.shard;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;

/**
 * What every shard shares: configuration, where each opens its store, the totals over all
 * shards, where to ask for a resync, metrics, and the rate-limited log for repeating failures.
 */
public record ShardEnvironment(SidecarConfig config, StoreFactory stores, ShardTotals totals, ResyncRequests resync,
                               Metrics metrics, RateLimitedLog problems) {

  /** True if this sidecar wrote the event (its origin is our instance id). */
  public boolean ownOrigin(String origin) {
    return config.instanceId().equals(origin);
  }
}
