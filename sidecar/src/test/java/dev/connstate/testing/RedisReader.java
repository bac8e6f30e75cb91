package dev.connstate.testing;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;
import java.util.Set;

/**
 * Plain reads of what a Redis deployment holds, whatever its shape: one server
 * ({@link TestRedis}), the current master of a Sentinel group ({@link TestSentinelGroup}) or the
 * node that owns the key's slot ({@link TestRedisCluster}).
 */
public interface RedisReader {
  /** Runs one command where the deployment keeps the key, and returns its reply. */
  Response call(String command, Object... args);

  /** Every field of a hash; empty if there is no such key. */
  default Map<String, String> hgetall(String key) {
    return NodeClients.fields(call("HGETALL", key));
  }

  /** Every member of a set; empty if there is no such key. */
  default Set<String> smembers(String key) {
    return NodeClients.members(call("SMEMBERS", key));
  }

  /** A request of {@code command} with each argument as a string. */
  static Request request(String command, Object... args) {
    Request request = Request.cmd(Command.create(command));
    for (Object arg : args) {
      request.arg(arg.toString());
    }
    return request;
  }
}
