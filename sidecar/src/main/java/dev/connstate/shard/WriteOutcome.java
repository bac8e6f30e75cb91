package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;

/**
 * What Redis did with one change to one handle.
 *
 * @param status what happened
 * @param version the connection's version after the change (0 when there is none)
 * @param boundRef for bind/unbind/disconnect: the player bound before the change (CONFLICT:
 *     the player bound now); null if none
 * @param stored the whole connection as stored after the change, from a store that writes
 *     whole documents (the v1 store); null from the v2 store, which writes only the fields
 */
public record WriteOutcome(Status status, long version, String boundRef, ConnectionRecord stored) {
  public WriteOutcome(Status status, long version, String boundRef) {
    this(status, version, boundRef, null);
  }

  /** No such connection in the store. */
  public static final WriteOutcome NO_CONNECTION = new WriteOutcome(Status.NO_CONNECTION, 0, null);

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
