package dev.connstate.shard;

/**
 * Why and whose connection is expired (DESIGN §7): the connection is removed only if it still
 * has this owner (and, for a session, this session), as an {@code expired} change whose event
 * carries {@code reason}.
 *
 * @param owner the connection's owner, an instance id
 * @param session the client session whose last socket closed, or null for a dead owner's
 *     connection (then only while that owner holds no lease)
 * @param reason the event's {@code changes.reason}
 */
public record Expiry(String owner, String session, String reason) {
  /** The reason of a dead owner's connections. */
  public static final String OWNER_LEASE_EXPIRED = "owner lease expired";
  /** The reason of a session's connections after its grace. */
  public static final String SESSION_ENDED = "session ended";

  /** A connection of {@code owner}, whose lease is gone. */
  public static Expiry ownerLeaseExpired(String owner) {
    return new Expiry(owner, null, OWNER_LEASE_EXPIRED);
  }

  /** A connection of {@code session}, registered through {@code owner}, whose last socket closed. */
  public static Expiry sessionEnded(String owner, String session) {
    return new Expiry(owner, session, SESSION_ENDED);
  }

  /** True for a dead owner's connection (not a session's). */
  public boolean ownerGone() {
    return session == null;
  }
}
