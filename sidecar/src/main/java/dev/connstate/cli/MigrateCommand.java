package dev.connstate.cli;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.redis.RedisClients;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.legacy.LegacyMigration;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code connstate migrate}: converts the v1 JSON records to v2 hashes (see
 * {@link LegacyMigration}), shows progress on a terminal and ends with the counts. Safe to run
 * while sidecars serve traffic, and to run again.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Convert the v1 JSON records (<prefix>conn:<handle>) to v2 hashes, atomically per key; remove "
        + "orphans from <prefix>conn:active. Idempotent; safe while sidecars run.",
        "Uses CONNSTATE_REDIS_URL and CONNSTATE_KEY_PREFIX like serve."})
public final class MigrateCommand implements Callable<Integer> {
  private static final long PROGRESS_EVERY_MS = 200;

  @Option(names = "--dry-run", description = "Change nothing; report what would be done.")
  private boolean dryRun;

  @Option(names = "--delete-legacy", description = "Delete each v1 key once its v2 hash exists "
      + "(only after every sidecar runs with store.schema=hash: v1 readers lose it).")
  private boolean deleteLegacy;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "500",
      description = "Keys per SCAN and per pipelined batch (default ${DEFAULT-VALUE}).")
  private int batch;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Configuration file, as for serve.")
  private Path configFile;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (batch < 1 || batch > 100_000) {
      System.err.println("--batch: expected 1 to 100000, got " + batch);
      return 2;
    }
    SidecarConfig config;
    try {
      config = new ConfigLoader().load(configFile, System.getenv(), new JsonObject());
    } catch (ConfigException e) {
      System.err.println("invalid configuration: " + e.getMessage());
      return 2;
    }
    if (config.redis().embedded()) {
      System.err.println("migrate needs the Redis the v1 store used: set CONNSTATE_REDIS_URL");
      return 2;
    }
    if (config.redis().mode() == SidecarConfig.RedisMode.CLUSTER) {
      System.err.println("migrate needs one Redis (standalone or sentinel), as v1 had");
      return 2;
    }
    RedisKeys keys = new RedisKeys(config.keyPrefix());
    boolean terminal = System.console() != null;
    long[] lastShown = {0};
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = RedisClients.create(vertx, config.redis(), config.redis().url(), 1);
      LegacyMigration migration = new LegacyMigration(redis, keys, config.connectionTtlMs(),
          new LegacyMigration.Options(dryRun, deleteLegacy, batch), report -> {
            long now = System.currentTimeMillis();
            if (terminal && (report.finished || now - lastShown[0] >= PROGRESS_EVERY_MS)) {
              lastShown[0] = now;
              System.err.print("\r" + progressLine(report) + (report.finished ? "\n" : ""));
              System.err.flush();
            }
          });
      LegacyMigration.Report report = migration.run().toCompletionStage().toCompletableFuture()
          .get(24, TimeUnit.HOURS);
      summary(out, keys, report);
      return 0;
    } catch (ConfigException e) {
      System.err.println("invalid configuration: " + e.getMessage());
      return 2;
    } catch (ExecutionException e) {
      System.err.println("migration stopped: " + e.getCause().getMessage()
          + " (it is safe to run it again: converted keys are left alone)");
      return 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private String progressLine(LegacyMigration.Report r) {
    return String.format("%s %d v1 records scanned: %d %s, %d already migrated, %d malformed",
        dryRun ? "[dry run]" : "migrating:", r.scanned, r.migrated, dryRun ? "to migrate" : "migrated",
        r.alreadyMigrated, r.malformed.size());
  }

  private void summary(PrintStream out, RedisKeys keys, LegacyMigration.Report r) {
    if (dryRun) {
      out.println("dry run: nothing was changed");
    }
    line(out, "v1 records scanned", r.scanned);
    line(out, dryRun ? "would migrate" : "migrated", r.migrated);
    line(out, "already migrated (left alone)", r.alreadyMigrated);
    if (r.changedMeanwhile > 0) {
      line(out, "changed by a v1 writer meanwhile (run again)", r.changedMeanwhile);
    }
    if (deleteLegacy) {
      line(out, dryRun ? "v1 keys to delete" : "v1 keys deleted", r.legacyDeleted);
    }
    line(out, (dryRun ? "orphans to remove from " : "orphans removed from ") + keys.active(), r.orphansRemoved);
    line(out, "malformed (left untouched)", r.malformed.size());
    r.malformed.stream().sorted().forEach(m -> out.println("  " + m));
  }

  private static void line(PrintStream out, String label, long count) {
    out.println(String.format("%-44s %d", label + ":", count));
  }
}
