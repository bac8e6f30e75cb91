package dev.connstate.bench;

import io.vertx.core.eventbus.ReplyException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies (HdrHistogram, 1 µs to 60 s, 3 significant digits) and outcomes of the requests a
 * benchmark sends. Thread-safe: every client connection records here.
 */
final class Measurements {
  private final Recorder latencies = new Recorder(3);
  private final Histogram total = new Histogram(1_000, 60_000_000_000L, 3);
  private final LongAdder ok = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private volatile boolean recording;
  private volatile long startedNanos;
  private volatile long stoppedNanos;

  /**
   * Starts (or stops) counting: the warm-up is not measured. Stopped once the last unit issued
   * in the measured period answered, so replies that arrive late still count, over the time
   * they took.
   */
  void recording(boolean on) {
    if (on) {
      latencies.getIntervalHistogram();
      ok.reset();
      errors.clear();
      startedNanos = System.nanoTime();
    } else {
      stoppedNanos = System.nanoTime();
    }
    recording = on;
  }

  /** Seconds from the start of recording to its stop. */
  double elapsedSeconds() {
    return (stoppedNanos - startedNanos) / 1e9;
  }

  void success(long startNanos) {
    if (recording) {
      latencies.recordValue(Math.max(1_000, System.nanoTime() - startNanos));
      ok.increment();
    }
  }

  void failure(long startNanos, Throwable cause) {
    if (recording) {
      latencies.recordValue(Math.max(1_000, System.nanoTime() - startNanos));
      String code = cause instanceof ReplyException e ? Integer.toString(e.failureCode()) : cause.getClass().getSimpleName();
      errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }
  }

  /** Latencies since the last call (for the progress line), also added to the total. */
  Histogram interval() {
    Histogram interval = latencies.getIntervalHistogram();
    synchronized (total) {
      total.add(interval);
    }
    return interval;
  }

  /** Everything recorded since {@code recording(true)}. */
  Histogram total() {
    interval();
    synchronized (total) {
      return total.copy();
    }
  }

  long succeeded() {
    return ok.sum();
  }

  /** Failed requests by failure code (e.g. "503") or exception. */
  Map<String, Long> errors() {
    Map<String, Long> out = new TreeMap<>();
    errors.forEach((code, n) -> out.put(code, n.sum()));
    return out;
  }

  long failed() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }
}
