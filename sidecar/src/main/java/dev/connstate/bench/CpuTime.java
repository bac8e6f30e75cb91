package dev.connstate.bench;

import java.time.Duration;

/** CPU time a process has used so far (user + system, all threads), where the OS tells it. */
final class CpuTime {
  private CpuTime() {
  }

  /** Seconds, or NaN when the process is gone or the OS does not say. */
  static double seconds(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(CpuTime::seconds)
        .orElse(Double.NaN);
  }

  static double ownSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().map(CpuTime::seconds).orElse(Double.NaN);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
