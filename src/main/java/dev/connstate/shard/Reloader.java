package dev.connstate.shard;

import dev.connstate.ops.RateLimitedLog;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings every shard up to date with the store. At startup ({@link #load}): every connection
 * the store lists as live goes to its shard, and members of the active set that point at no
 * connection are removed. After the event subscription was lost and restored
 * ({@link #resync}): every shard re-reads its connections and publishes what it missed.
 */
public final class Reloader {
  private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

  private final Shards shards;
  private final ShardTotals totals;
  private final int batchSize;
  private final RateLimitedLog problems;

  /** @param batchSize connections read per store call ({@code redis.loadBatchSize}) */
  public Reloader(Shards shards, ShardTotals totals, int batchSize, RateLimitedLog problems) {
    this.shards = shards;
    this.totals = totals;
    this.batchSize = batchSize;
    this.problems = problems;
  }

  /** What a startup load did. */
  public record LoadReport(long connections, long orphansRemoved, long millis) {
  }

  /** Loads every connection; fails if the store cannot be read. */
  public Future<LoadReport> load() {
    long started = System.nanoTime();
    return shards.listHandles()
        .compose(handles -> shards.load(handles, batchSize))
        .compose(shards::removeOrphans)
        .map(removed -> new LoadReport(totals.connections(), removed, (System.nanoTime() - started) / 1_000_000));
  }

  /** Re-reads every connection and publishes what changed; a failure is logged and waits for the next reconnection. */
  public void resync() {
    long started = System.nanoTime();
    shards.listHandles()
        .compose(handles -> shards.resync(handles, batchSize))
        .onSuccess(v -> LOG.info("resynchronised with Redis after the event subscription was restored, in {} ms",
            (System.nanoTime() - started) / 1_000_000))
        .onFailure(e -> problems.warn("resynchronising with Redis failed; it runs again at the next reconnection",
            "the active set", e));
  }
}
