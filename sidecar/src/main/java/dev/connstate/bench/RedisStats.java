package dev.connstate.bench;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

/**
 * Counters from Redis's {@code INFO}: bytes it received from all clients, commands it processed
 * and CPU it used (user + system, all its threads). Read when the measured period starts and
 * after it, their difference gives what each request cost Redis.
 */
record RedisStats(long inputBytes, long commands, double cpuSeconds) {

  static Future<RedisStats> read(Redis redis) {
    return redis.send(Request.cmd(Command.INFO)).map(r -> {
      long bytes = 0;
      long commands = 0;
      double cpu = 0;
      for (String line : r.toString().split("\r?\n")) {
        String value = line.substring(line.indexOf(':') + 1).trim();
        if (line.startsWith("total_net_input_bytes:")) {
          bytes = Long.parseLong(value);
        } else if (line.startsWith("total_commands_processed:")) {
          commands = Long.parseLong(value);
        } else if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
          cpu += Double.parseDouble(value);
        }
      }
      return new RedisStats(bytes, commands, cpu);
    });
  }

  /** The server's {@code redis_version}. */
  static Future<String> version(Redis redis) {
    return redis.send(Request.cmd(Command.INFO).arg("server")).map(r -> r.toString().lines()
        .filter(l -> l.startsWith("redis_version:")).map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst().orElse("unknown"));
  }

  RedisStats minus(RedisStats before) {
    return new RedisStats(inputBytes - before.inputBytes, commands - before.commands, cpuSeconds - before.cpuSeconds);
  }
}
