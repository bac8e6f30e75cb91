package dev.connstate.ops;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning that can repeat (a Redis outage fails every write) logged at most once per kind
 * per interval, with how many times it happened since the last line and one sample (handle,
 * key, cause), so an outage is visible without flooding the log.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalMs;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    long lastLogged = Long.MIN_VALUE / 2;
    long suppressed;
  }

  public RateLimitedLog(Logger log, long intervalMs) {
    this(log, intervalMs, System::currentTimeMillis);
  }

  RateLimitedLog(Logger log, long intervalMs, LongSupplier clock) {
    this.log = log;
    this.intervalMs = intervalMs;
    this.clock = clock;
  }

  /**
   * Records one occurrence of {@code kind}; logs it now if this kind was quiet for the interval.
   *
   * @param kind a fixed description, e.g. "write-behind write failed"
   * @param sample what this occurrence concerns, e.g. "handle 42 keys [WIDTH]"
   * @param cause the failure, or null
   */
  public void warn(String kind, String sample, Throwable cause) {
    Window w = windows.computeIfAbsent(kind, k -> new Window());
    long now = clock.getAsLong();
    long count;
    synchronized (w) {
      if (now - w.lastLogged < intervalMs) {
        w.suppressed++;
        return;
      }
      count = w.suppressed + 1;
      w.suppressed = 0;
      w.lastLogged = now;
    }
    String reason = cause == null ? "" : ": " + Secrets.redact(cause.getMessage() != null ? cause.getMessage()
        : cause.toString());
    if (count == 1) {
      log.warn("{} ({}){}", kind, Secrets.redact(sample), reason);
    } else {
      log.warn("{}: {} times since the last report, e.g. {}{}", kind, count, Secrets.redact(sample), reason);
    }
  }
}
