package dev.connstate.shard;

import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings every shard up to date with the store. At startup ({@link #load}): every connection
 * the store lists as live goes to its shard, and members of the active set that point at no
 * connection are removed. After the event subscription was lost and restored
 * ({@link #resync}): every shard re-reads its connections and publishes what its subscribers missed,
 * the changes made through this sidecar meanwhile included.
 *
 * <p>Guarantee: from a resync's request until one run that began after it succeeded, events
 * are known to be missing ({@link #eventsState}, {@code connstate_events_missing}); a failed
 * run is retried with capped backoff until one succeeds or the sidecar stops.
 */
public final class Reloader {
  private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

  private final Shards shards;
  private final ShardTotals totals;
  private final int batchSize;
  private final RateLimitedLog problems;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Vertx vertx;
  private final Metrics metrics;
  private final Backoff backoff;
  private volatile boolean stopped;
  /** When events were first known to be missing (ms since the epoch), 0 when none are. */
  private volatile long missingSince;
  /** Failed runs since events went missing. */
  private volatile int failedRuns;
  private long retryTimer = -1;

  /**
   * @param batchSize connections read per store call ({@code redis.loadBatchSize})
   * @param backoff how long a failed resync waits before the next run
   */
  public Reloader(Vertx vertx, Shards shards, ShardTotals totals, int batchSize, Backoff backoff, Metrics metrics,
                  RateLimitedLog problems) {
    this.vertx = vertx;
    this.shards = shards;
    this.totals = totals;
    this.batchSize = batchSize;
    this.backoff = backoff;
    this.metrics = metrics;
    this.problems = problems;
    metrics.gauge(MetricNames.EVENTS_MISSING, () -> missingSince == 0 ? 0 : 1);
  }

  /** What a startup load did. */
  public record LoadReport(long connections, long orphansRemoved, long millis) {
  }

  /**
   * Loads every connection the active set lists; fails if the store cannot be read. Then, in the
   * background, finds connections the store holds but does not list (an attempt whose index
   * write was lost), loads them and lists them again.
   */
  public Future<LoadReport> load() {
    long started = System.nanoTime();
    Set<Long> listed = new HashSet<>();
    return shards.listHandles()
        .compose(handles -> {
          listed.addAll(handles);
          return shards.load(handles, batchSize);
        })
        .compose(shards::removeOrphans)
        .map(removed -> {
          repairUnlisted(listed);
          return new LoadReport(totals.connections(), removed, (System.nanoTime() - started) / 1_000_000);
        });
  }

  private void repairUnlisted(Set<Long> listed) {
    shards.scanHandles()
        // connections registered since the load are listed by now: ask again before calling any unlisted
        .compose(scanned -> shards.listHandles().map(now -> {
          listed.addAll(now);
          return scanned.stream().filter(handle -> !listed.contains(handle)).toList();
        }))
        .compose(unlisted -> unlisted.isEmpty() ? Future.succeededFuture(0) : shards.loadUnlisted(unlisted, batchSize))
        .onSuccess(found -> {
          if (found > 0) {
            LOG.warn("{} connections were stored but missing from the active set (an attempt whose index write was "
                + "lost); loaded and listed again", found);
          }
        })
        .onFailure(e -> {
          if (!stopped) {
            problems.warn("looking for connections missing from the active set failed; the next start looks again",
                "the keyspace scan", e);
          }
        });
  }

  /** The sidecar is stopping: work still running in the background may fail without a warning. */
  public void stop() {
    stopped = true;
    long timer = retryTimer;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * For {@code /health}: {@code missing} (events of a lost subscription not yet recovered by a
   * resync), and while missing, {@code since} (ms) and {@code failedResyncs}.
   */
  public JsonObject eventsState() {
    long since = missingSince;
    JsonObject state = new JsonObject().put("missing", since != 0);
    return since == 0 ? state : state.put("since", since).put("failedResyncs", failedRuns);
  }

  /**
   * Re-reads every connection now and publishes what changed (after a lost owner lease was
   * taken again: another sidecar may have expired connections meanwhile); fails if Redis could
   * not be read.
   */
  public Future<Void> reload() {
    return shards.listHandles().compose(handles -> shards.resync(handles, batchSize));
  }

  /**
   * Re-reads every connection and publishes what changed. Requests that come while one runs
   * (every shard and the event subscription ask after a master switch) are served by one more
   * run after it. A failed run is logged, counted and run again after a backoff.
   */
  public void resync() {
    if (missingSince == 0) {
      missingSince = System.currentTimeMillis();
    }
    if (running.compareAndSet(false, true)) {
      run();
    } else {
      pending.set(true);
    }
  }

  private void run() {
    pending.set(false);
    long started = System.nanoTime();
    shards.listHandles()
        .compose(handles -> shards.resync(handles, batchSize))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            LOG.info("resynchronised with Redis after a lost connection was restored, in {} ms{}",
                (System.nanoTime() - started) / 1_000_000, failedRuns == 0 ? "" : " (after " + failedRuns
                    + " failed attempts)");
            if (!pending.get()) {
              missingSince = 0;
              failedRuns = 0;
            }
          } else if (!stopped) {
            int attempt = ++failedRuns;
            long delay = backoff.delay(attempt);
            metrics.resyncFailed();
            problems.warn("resynchronising with Redis failed; events missed meanwhile are not published yet, "
                + "retrying", "attempt " + attempt + ", next in " + delay + " ms", ar.cause());
            // a retry is one more request: served after the backoff unless one comes sooner
            retryTimer = vertx.setTimer(delay, id -> {
              retryTimer = -1;
              resync();
            });
          }
          if (pending.get()) {
            run();
          } else {
            running.set(false);
            if (pending.get() && running.compareAndSet(false, true)) {
              run();
            }
          }
        });
  }
}
