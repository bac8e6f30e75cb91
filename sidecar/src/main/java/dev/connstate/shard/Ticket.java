package dev.connstate.shard;

/**
 * A caller's claim on one request to the store ({@link ConnectionStore}). A caller that stops waiting (a critical change
 * past its timeout) abandons its ticket: a request still queued is then never sent, so the
 * caller can say for certain that it was not stored. {@link #sent()} tells whether it left.
 */
public final class Ticket {
  private volatile boolean abandoned;
  private volatile boolean sent;

  /** The caller no longer wants the request sent. */
  public void abandon() {
    abandoned = true;
  }

  public boolean abandoned() {
    return abandoned;
  }

  /** True once the request was written to Redis (its outcome may then be unknown). */
  public boolean sent() {
    return sent;
  }

  /** Called by the store when the request leaves for Redis. */
  public void markSent() {
    sent = true;
  }
}
