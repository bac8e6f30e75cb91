package dev.connstate.testing;

import java.util.Map;
import java.util.Set;

/**
 * Plain reads of what a Redis deployment holds, whatever its shape: one server
 * ({@link TestRedis}), the current master of a Sentinel group ({@link TestSentinelGroup}) or the
 * node that owns the key's slot ({@link TestRedisCluster}).
 */
public interface RedisReader {
  /** Every field of a hash; empty if there is no such key. */
  Map<String, String> hgetall(String key);

  /** Every member of a set; empty if there is no such key. */
  Set<String> smembers(String key);
}
