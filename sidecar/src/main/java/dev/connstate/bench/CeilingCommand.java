package dev.connstate.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code connstate bench ceiling}: scenario (e), {@code redis-benchmark} HSET as the ceiling. */
@Command(name = "ceiling", mixinStandardHelpOptions = true,
    description = "redis-benchmark HSET (50 clients, pipelined 16 deep and not pipelined): what Redis alone does "
        + "here. Writes the hash myhash.")
final class CeilingCommand implements Callable<Integer> {
  @Option(names = "--redis-url", paramLabel = "URL", description = "Redis to measure (default: a redis-server "
      + "of its own on a free port).")
  String redisUrl;

  @Option(names = "--requests", defaultValue = "1000000", description = "HSETs per measurement (default "
      + "${DEFAULT-VALUE}).")
  int requests;

  @Mixin
  JsonOption output;

  @Override
  public Integer call() throws Exception {
    if (requests < 1) {
      System.err.println("--requests: expected a positive count, got " + requests);
      return 2;
    }
    try (BenchRedis target = BenchRedis.of(redisUrl)) {
      int failed = 0;
      for (int pipeline : new int[] {16, 1}) {
        var result = RedisCeiling.run(target.host(), target.port(), requests, pipeline);
        failed += result.containsKey("error") ? 1 : 0;
        System.out.println(output.json ? result.encode() : result.containsKey("error")
            ? "redis-benchmark -P " + pipeline + ": " + result.getString("error")
            : String.format(java.util.Locale.ROOT, "redis-benchmark HSET -P %-2d %,12.0f requests/s", pipeline,
                result.getDouble("requestsPerSecond")));
      }
      return failed == 0 ? 0 : 1;
    }
  }
}
