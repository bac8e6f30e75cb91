package dev.connstate.bench;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code connstate bench startup}: scenario (c), on a Redis of its own unless told otherwise. */
@Command(name = "startup", mixinStandardHelpOptions = true,
    description = {"Startup load: writes --connections v2 connections under a prefix of their own, starts a "
        + "sidecar from this jar on them and times it to ready; heap per connection against an empty sidecar. "
        + "Removes what it wrote."})
final class StartupCommand implements Callable<Integer> {
  @Mixin
  SidecarOptions sidecar;

  @Option(names = "--connections", defaultValue = "100000", description = "Connections to load (default "
      + "${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--redis-url", paramLabel = "URL", description = "Redis to use (default: a redis-server of "
      + "its own on a free port).")
  String redisUrl;

  @Mixin
  JsonOption output;

  @Override
  public Integer call() throws Exception {
    if (connections < 1 || connections > 10_000_000) {
      System.err.println("--connections: expected 1 to 10000000, got " + connections);
      return 2;
    }
    Path sidecarJar = SidecarJar.locate(sidecar.jar);
    Vertx vertx = Vertx.vertx();
    try (BenchRedis target = BenchRedis.of(redisUrl)) {
      Redis redis = Redis.createClient(vertx, target.url());
      StartupBench.Result result = run(redis, target.url(), sidecarJar, connections, sidecar.jvmArgs, sidecar.out,
          "bench-startup");
      System.out.print(output.json ? result.toJson().encodePrettily() + "\n" : result.table());
      return 0;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Populates, measures and cleans up; blocking. */
  static StartupBench.Result run(Redis redis, String url, Path jar, int n, List<String> jvmArgs, Path logDir,
                                 String prefixBase) throws Exception {
    String loaded = prefixBase + "l:";
    System.err.printf("[startup] writing %,d connections under %s%n", n, loaded);
    StartupBench.populate(redis, loaded, n).toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    try {
      System.err.printf("[startup] starting a sidecar on them%n");
      return StartupBench.measure(jar, url, prefixBase + "e:", loaded, n, jvmArgs, logDir);
    } finally {
      StartupBench.remove(redis, loaded, n).toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    }
  }
}
