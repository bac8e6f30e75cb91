package dev.connstate.bench;

/**
 * When each unit of an open-loop run is due: unit {@code k} at {@code k / rate} seconds after
 * the start (rounded up to the nanosecond). Latency counts from that moment, whenever the
 * driver gets round to sending it.
 */
record OpenLoopSchedule(double ratePerSecond) {

  /** Nanoseconds from the start to unit {@code k}'s moment. */
  long intendedOffsetNanos(long k) {
    return (long) Math.ceil(k * 1e9 / ratePerSecond);
  }

  /** How many units are due {@code elapsedNanos} after the start: unit 0 is due at once. */
  long dueBy(long elapsedNanos) {
    long due = (long) Math.floor(elapsedNanos / 1e9 * ratePerSecond) + 1;
    // floating point can be off by one either way: settle it against the moments themselves
    while (intendedOffsetNanos(due) <= elapsedNanos) {
      due++;
    }
    while (due > 1 && intendedOffsetNanos(due - 1) > elapsedNanos) {
      due--;
    }
    return due;
  }
}
