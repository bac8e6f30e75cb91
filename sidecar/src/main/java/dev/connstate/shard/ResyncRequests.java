package dev.connstate.shard;

/**
 * Where a shard asks for a resync of the whole sidecar (its Redis connection was lost and
 * restored, possibly to another master: events may have been missed, history lost). Made
 * before the {@link Reloader} that serves it exists; requests before then are dropped, as
 * there is nothing loaded to resync yet.
 */
public final class ResyncRequests {
  private volatile Runnable target = () -> { };

  /** Sends every later request to {@code resync}. */
  public void serveWith(Runnable resync) {
    target = resync;
  }

  public void request() {
    target.run();
  }
}
