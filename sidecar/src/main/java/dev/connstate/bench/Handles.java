package dev.connstate.bench;

/** Handle ranges for benchmark connections, kept inside the protocol's 0…2^53−1. */
final class Handles {
  static final long MAX = (1L << 53) - 1;

  private Handles() {
  }

  /** A range start of its own per run: churn sessions never reuse another run's handles. */
  static long freshRange() {
    return 1_000_000_000_000L + (System.currentTimeMillis() % 1_000_000_000L) * 1_000_000L % (MAX / 2);
  }

  static String problem(String option, long first, long count) {
    if (first < 0 || first > MAX - count) {
      return option + ": expected 0 to " + (MAX - count) + " (handles are 0…2^53−1), got " + first;
    }
    return null;
  }
}
