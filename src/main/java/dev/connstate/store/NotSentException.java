package dev.connstate.store;

/** A request was not sent to Redis because its caller abandoned it while it waited. */
public final class NotSentException extends RuntimeException {
  public NotSentException() {
    super("not sent: the caller stopped waiting while Redis was unavailable", null, false, false);
  }
}
