package dev.connstate.shard;

/**
 * A store request was not sent to Redis because its caller abandoned its {@link Ticket} while
 * it waited: the change certainly was not stored.
 */
public final class NotSentException extends RuntimeException {
  public NotSentException() {
    super("not sent: the caller stopped waiting while Redis was unavailable", null, false, false);
  }
}
