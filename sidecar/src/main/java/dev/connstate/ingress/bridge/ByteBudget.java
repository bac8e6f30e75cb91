package dev.connstate.ingress.bridge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes the bridge holds for all its sockets together (partly received frames, or replies
 * queued for clients that do not read), against one limit, so that many sockets cannot add up
 * to more memory than the sidecar has. Thread-safe; metrics read {@link #used()}.
 */
final class ByteBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  ByteBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} if they fit; false (and nothing taken) if they do not. */
  boolean tryTake(long bytes) {
    long now;
    do {
      now = used.get();
      if (now + bytes > limit) {
        return false;
      }
    } while (!used.compareAndSet(now, now + bytes));
    return true;
  }

  /** Takes {@code bytes} whatever the limit (they are already held); true if now over the limit. */
  boolean take(long bytes) {
    return used.addAndGet(bytes) > limit;
  }

  void give(long bytes) {
    used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }

  boolean over() {
    return used.get() > limit;
  }
}
