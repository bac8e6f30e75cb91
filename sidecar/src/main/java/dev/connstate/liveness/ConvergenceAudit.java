package dev.connstate.liveness;

import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.shard.AuditReport;
import dev.connstate.shard.Divergence;
import dev.connstate.shard.Shards;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The convergence audit (DESIGN §7): every {@code auditIntervalMs} it compares a sample of at
 * most {@code auditSample} connections, this sidecar's copies with Redis's, through the shards
 * ({@link Shards#audit}), and exports what it found: {@code connstate_audit_divergence_ratio}
 * (divergent / compared, of the last completed run), {@code connstate_audit_compared_total},
 * {@code connstate_audit_divergences_total{kind}} and {@code connstate_audit_runs_total{outcome}};
 * one example per kind goes to the rate-limited log, and a run that found divergences logs a
 * summary at INFO.
 *
 * <p>Guarantees: a connection with a change of this sidecar's own waiting or in flight, or that
 * changes while it is compared, is left out, never counted; a difference is counted only if it
 * outlasts {@code settleMs} with no event for its handle; every divergence counted is repaired
 * (this sidecar takes Redis's state and publishes it as a resync event). One run at a time; none
 * while the sidecar is not ready (loading, or reloading after a lost lease). A failed run is
 * counted and logged, never silent; the next interval runs again. With {@code auditIntervalMs}
 * 0 no timer runs, and {@link #runNow} still does.
 */
public final class ConvergenceAudit extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConvergenceAudit.class);
  /**
   * How long a difference must last, with no event for its handle, to count. Another sidecar's
   * change can be read before its event arrives (another connection); events arrive within
   * milliseconds, so a second is far beyond that and short enough not to matter.
   */
  public static final long SETTLE_MS = 1_000;

  private final Shards shards;
  private final RedisKeys keys;
  private final long intervalMs;
  private final int sample;
  private final long settleMs;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final BooleanSupplier ready;
  private long timer = -1;
  private Future<AuditReport> running;
  private volatile double lastRatio = Double.NaN;

  /**
   * @param intervalMs {@code auditIntervalMs}: how often the timer runs; 0 for no timer
   * @param sample {@code auditSample}: connections one run compares, at most
   * @param settleMs how long a difference must last to count ({@link #SETTLE_MS})
   * @param ready whether the sidecar holds what it should compare (loaded, lease held)
   */
  public ConvergenceAudit(Shards shards, RedisKeys keys, long intervalMs, int sample, long settleMs, Metrics metrics,
                          RateLimitedLog problems, BooleanSupplier ready) {
    this.shards = shards;
    this.keys = keys;
    this.intervalMs = intervalMs;
    this.sample = sample;
    this.settleMs = settleMs;
    this.metrics = metrics;
    this.problems = problems;
    this.ready = ready;
    metrics.gauge(MetricNames.AUDIT_DIVERGENCE_RATIO, () -> lastRatio);
  }

  @Override
  public Future<?> start() {
    if (intervalMs > 0) {
      // run() never fails: what went wrong is counted and logged there
      timer = vertx.setPeriodic(intervalMs, id -> run());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  /**
   * Runs the audit now (or joins the run under way) and completes with what it found; never
   * fails: a run Redis cut short has {@link AuditReport#failure} set, and one not run because
   * the sidecar is not ready has it set and counts nothing. May be called from any thread,
   * once the audit is deployed.
   */
  public Future<AuditReport> runNow() {
    Promise<AuditReport> report = Promise.promise();
    context.runOnContext(v -> run().onComplete(report));
    return report.future();
  }

  /** The divergence ratio of the last completed run; NaN before the first. */
  public double lastRatio() {
    return lastRatio;
  }

  private Future<AuditReport> run() {
    if (running != null) {
      return running;
    }
    if (!ready.getAsBoolean()) {
      LOG.debug("convergence audit skipped: the sidecar is not ready");
      return Future.succeededFuture(new AuditReport(0, Map.of(), 0, List.of(),
          new IllegalStateException("the sidecar is not ready (loading, or reloading after a lost lease)")));
    }
    long started = System.nanoTime();
    Future<AuditReport> run = shards.audit(sample, settleMs)
        .recover(e -> Future.succeededFuture(new AuditReport(0, Map.of(), 0, List.of(), e)))
        .map(report -> {
          record(report, (System.nanoTime() - started) / 1_000_000);
          return report;
        });
    running = run;
    run.onComplete(ar -> {
      if (running == run) {
        running = null;
      }
    });
    return run;
  }

  private void record(AuditReport report, long millis) {
    metrics.auditCompared(report.compared());
    for (Divergence kind : Divergence.values()) {
      if (report.divergent(kind) > 0) {
        metrics.auditDivergences(kind.label(), report.divergent(kind));
      }
    }
    if (report.complete()) {
      metrics.auditRun(MetricNames.AUDIT_OK);
      lastRatio = report.ratio();
    } else {
      metrics.auditRun(MetricNames.AUDIT_FAILED);
      if (ready.getAsBoolean()) {
        problems.warn("the convergence audit could not read Redis; the next interval runs again",
            report.compared() + " connections compared before it stopped", report.failure());
      } else {
        // stopping, or the lease was lost meanwhile: the reads failing is that, not news
        LOG.debug("convergence audit cut short while the sidecar is not ready: {}", report.failure().toString());
      }
    }
    log(report, millis);
  }

  /** One example per kind through the rate limiter; a summary at INFO when anything differed. */
  private void log(AuditReport report, long millis) {
    for (Divergence kind : Divergence.values()) {
      report.examples().stream().filter(e -> e.kind() == kind).findFirst().ifPresent(e ->
          problems.warn("convergence audit: " + kind.description() + "; repaired from Redis", "handle " + e.handle()
              + ", key " + keys.connection(e.handle()) + ": " + e.detail(), null));
    }
    if (report.divergent() == 0) {
      LOG.debug("convergence audit: {} connections compared, none differed from Redis; {} left out, in {} ms",
          report.compared(), report.leftOut(), millis);
      return;
    }
    String examples = report.examples().stream().limit(3)
        .map(e -> "handle " + e.handle() + " " + e.kind().label() + " (" + e.detail() + ")")
        .collect(Collectors.joining("; "));
    LOG.info("convergence audit: {} of {} connections compared differed from Redis ({} %): {} missing here, {} "
        + "missing in Redis, {} with other fields; this sidecar took Redis's state for each (e.g. {}); {} left out "
        + "while changing; in {} ms", report.divergent(), report.compared(),
        String.format(Locale.ROOT, "%.2f", report.ratio() * 100), report.divergent(Divergence.MISSING_HERE),
        report.divergent(Divergence.MISSING_IN_REDIS), report.divergent(Divergence.FIELD_DIFFERS), examples,
        report.leftOut(), millis);
  }
}
