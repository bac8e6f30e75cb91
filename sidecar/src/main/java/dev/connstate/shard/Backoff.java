package dev.connstate.shard;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: attempt 1 waits about {@code baseMs}, each further
 * attempt twice as long, never more than {@code maxMs}; the delay is drawn from its upper half
 * so that many shards and handles do not retry in lockstep.
 */
public record Backoff(long baseMs, long maxMs) {
  /** The delay before attempt {@code attempt} (1 for the first retry). */
  public long delay(int attempt) {
    long ceiling = Math.min(maxMs, baseMs << Math.min(Math.max(attempt - 1, 0), 20));
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }
}
