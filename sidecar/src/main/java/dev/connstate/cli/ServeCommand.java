package dev.connstate.cli;

import ch.qos.logback.classic.Level;
import dev.connstate.boot.Sidecar;
import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.FatalErrors;
import dev.connstate.redis.RedisProcess;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code connstate serve}: loads the configuration, starts an embedded Redis when none is
 * configured (development only, and says so loudly), boots the sidecar and runs until SIGTERM
 * or SIGINT, then stops taking commands and shuts down.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the sidecar. Without CONNSTATE_REDIS_URL it starts an embedded Redis for development.")
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Configuration file (default: config/connstate.json if present, else built-in defaults). "
          + "Every key can be overridden by a CONNSTATE_* environment variable.")
  private Path configFile;

  @Override
  public Integer call() throws Exception {
    FatalErrors.installProcessWide();
    if (!ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+ExitOnOutOfMemoryError")) {
      LOG.info("started without -XX:+ExitOnOutOfMemoryError: connstate halts itself on the out-of-memory errors it "
          + "sees; the JVM flag (as in the Docker image) makes that certain for all of them");
    }
    SidecarConfig config;
    ConfigLoader loader = new ConfigLoader();
    try {
      config = loader.load(configFile, System.getenv(), new JsonObject());
    } catch (ConfigException e) {
      LOG.error("invalid configuration: {}", e.getMessage());
      return 2;
    }
    applyLogLevel(config.logLevel());
    loader.warnings().forEach(LOG::warn);
    if (config.schema() != SidecarConfig.StoreSchema.HASH) {
      LOG.warn("store.schema={}: {}", config.schema().name().toLowerCase(),
          config.schema() == SidecarConfig.StoreSchema.DUAL
              ? "every change also rewrites the v1 JSON key, for v1 readers during a rolling upgrade"
              : "the v1 store itself (whole-document optimistic locking): the benchmark baseline, not for production");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<RedisProcess> embedded = new AtomicReference<>();
    AtomicReference<Future<Sidecar>> starting = new AtomicReference<>();
    // installed before anything starts, so a SIGTERM during start-up still stops what was started
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(config, starting.get(), embedded.get(), stopped),
        "connstate-shutdown"));
    if (config.redis().embedded()) {
      embedded.set(startEmbeddedRedis());
    }
    String url = embedded.get() != null ? embedded.get().url() : config.redis().url();
    starting.set(Sidecar.start(config, url));
    try {
      starting.get().toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      return e.getCause() instanceof ConfigException ? 2 : 1;
    }
    stopped.await();
    return 0;
  }

  private static void shutDown(SidecarConfig config, Future<Sidecar> starting, RedisProcess embedded,
                               CountDownLatch stopped) {
    try {
      if (starting != null && starting.succeeded()) {
        starting.result().stop().toCompletionStage().toCompletableFuture()
            .get(config.shutdownDrainMs() + 10_000, TimeUnit.MILLISECONDS);
      } else if (starting != null && !starting.isComplete()) {
        LOG.warn("stopped while still starting: exiting without draining");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.error("connstate did not stop cleanly: {}", e.getCause() == null ? e : e.getCause().toString());
    } finally {
      if (embedded != null) {
        embedded.stop();
        LOG.info("embedded Redis stopped");
      }
      stopped.countDown();
    }
  }

  private static RedisProcess startEmbeddedRedis() throws Exception {
    Path dir = Files.createTempDirectory("connstate-redis");
    RedisProcess redis = new RedisProcess(RedisProcess.bundledBinary(), RedisProcess.freePort(), dir, List.of());
    redis.start();
    LOG.warn("*****************************************************************************************");
    LOG.warn("CONNSTATE_REDIS_URL is not set: started an EMBEDDED Redis on 127.0.0.1:{} (development only).",
        redis.port());
    LOG.warn("Connection state lives only as long as this process and is shared with no other sidecar.");
    LOG.warn("Inspect it with: redis-cli -p {}   Set CONNSTATE_REDIS_URL=redis://host:6379 to use a real Redis.",
        redis.port());
    LOG.warn("*****************************************************************************************");
    return redis;
  }

  private static void applyLogLevel(String level) {
    org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) {
      logback.setLevel(Level.valueOf(level));
    }
  }
}
