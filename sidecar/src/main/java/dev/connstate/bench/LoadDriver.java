package dev.connstate.bench;

import dev.connstate.client.BridgeConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link Workload} over several bridge connections, each on its own event loop.
 *
 * <p>Open loop ({@code rate} units/s in total): units start on a fixed schedule whatever the
 * replies do, and latencies count from the scheduled start, so a slow sidecar shows as latency
 * and a lower achieved rate. Closed loop ({@code rate} 0): each connection keeps
 * {@code inflight} units going, as fast as the sidecar answers. A connection never has more than
 * {@link #MAX_OUTSTANDING} units waiting: beyond that the open loop skips (and counts) units.
 */
final class LoadDriver {
  static final int MAX_OUTSTANDING = 20_000;

  private final Vertx vertx;
  private final List<BridgeConnection> connections;
  private final Workload workload;
  private final Measurements measurements;
  private final double rate;
  private final int inflight;
  private final AtomicLong skipped = new AtomicLong();
  private volatile boolean running;

  /** One second of a run, for the progress line. */
  record Progress(long second, long requests, Histogram latencies, long failed) {
  }

  LoadDriver(Vertx vertx, List<BridgeConnection> connections, Workload workload, Measurements measurements,
             double rate, int inflight) {
    this.vertx = vertx;
    this.connections = connections;
    this.workload = workload;
    this.measurements = measurements;
    this.rate = rate;
    this.inflight = inflight;
  }

  long skipped() {
    return skipped.get();
  }

  /**
   * Runs the warm-up (not measured), then the measured period; completes when the last unit
   * answered. {@code measuring} runs when the measured period starts.
   */
  Future<Void> run(Duration warmup, Duration measured, Runnable measuring, Consumer<Progress> progress) {
    running = true;
    List<Future<Void>> drivers = new ArrayList<>();
    for (BridgeConnection connection : connections) {
      Promise<Void> done = Promise.promise();
      connection.context().runOnContext(v -> drive(connection, done));
      drivers.add(done.future());
    }
    Promise<Void> finished = Promise.promise();
    vertx.setTimer(Math.max(1, warmup.toMillis()), w -> {
      measurements.recording(true);
      measuring.run();
      long[] second = {0};
      long[] lastCount = {0};
      long ticker = vertx.setPeriodic(1_000, t -> {
        long count = measurements.succeeded() + measurements.failed();
        progress.accept(new Progress(++second[0], count - lastCount[0], measurements.interval(), measurements.failed()));
        lastCount[0] = count;
      });
      vertx.setTimer(measured.toMillis(), m -> {
        vertx.cancelTimer(ticker);
        running = false;
        Future.join(drivers).onComplete(all -> {
          measurements.recording(false);
          finished.complete();
        });
      });
    });
    return finished.future();
  }

  private void drive(BridgeConnection connection, Promise<Void> done) {
    int[] outstanding = {0};
    Runnable finishedUnit = () -> {
      outstanding[0]--;
      if (!running && outstanding[0] == 0) {
        done.tryComplete();
      }
    };
    if (rate <= 0) {
      for (int i = 0; i < inflight; i++) {
        closedLoop(connection, outstanding, finishedUnit, done);
      }
      return;
    }
    OpenLoopSchedule schedule = new OpenLoopSchedule(rate / connections.size());
    long start = System.nanoTime();
    long[] issued = {0};
    vertx.setPeriodic(1, timer -> {
      if (!running) {
        vertx.cancelTimer(timer);
        if (outstanding[0] == 0) {
          done.tryComplete();
        }
        return;
      }
      long due = schedule.dueBy(System.nanoTime() - start);
      for (; issued[0] < due; issued[0]++) {
        long intended = start + schedule.intendedOffsetNanos(issued[0]);
        if (outstanding[0] >= MAX_OUTSTANDING) {
          skipped.incrementAndGet();
          continue;
        }
        outstanding[0]++;
        workload.unit(connection, intended, measurements).onComplete(ar -> finishedUnit.run());
      }
    });
  }

  private void closedLoop(BridgeConnection connection, int[] outstanding, Runnable finishedUnit, Promise<Void> done) {
    if (!running || connection.closed()) {
      if (outstanding[0] == 0) {
        done.tryComplete();
      }
      return;
    }
    outstanding[0]++;
    Future<Void> unit = workload.unit(connection, System.nanoTime(), measurements);
    boolean answeredAtOnce = unit.isComplete();
    unit.onComplete(ar -> {
      finishedUnit.run();
      if (answeredAtOnce) {
        // a unit that failed without waiting must not recurse on this stack
        connection.context().runOnContext(v -> closedLoop(connection, outstanding, finishedUnit, done));
      } else {
        closedLoop(connection, outstanding, finishedUnit, done);
      }
    });
  }
}
