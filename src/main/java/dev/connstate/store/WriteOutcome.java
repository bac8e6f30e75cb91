package dev.connstate.store;

/**
 * What Redis did with one change to one handle.
 *
 * @param status what happened
 * @param version the connection's version after the change (0 when there is none)
 * @param boundRef for bind/unbind/disconnect: the player bound before the change (CONFLICT:
 *     the player bound now); null if none
 */
public record WriteOutcome(Status status, long version, String boundRef) {
  /** The possible results of a change script call. */
  public enum Status {
    /** stored, version incremented, event published */
    APPLIED,
    /** nothing to do: already in that state (bind of the same player, unbind when not bound, disconnect of a gone handle) */
    UNCHANGED,
    /** no such connection in Redis */
    NO_CONNECTION,
    /** bound to another player */
    CONFLICT
  }
}
