package dev.connstate.shard;

import dev.connstate.model.FieldChange;

/**
 * A change this sidecar made to one handle that its copy of Redis's state does not hold yet:
 * waiting to be sent, in flight, or acknowledged with a version that cannot be folded in until
 * the versions before it are known.
 */
final class LocalWrite {
  final FieldChange change;
  long at;
  /** The version Redis gave it; 0 until acknowledged. */
  long version;
  /** Failed attempts so far, for backoff. */
  int attempts;
  /** The current attempt's claim on the connection: tells whether it left for Redis. */
  Ticket ticket;

  LocalWrite(FieldChange change, long at) {
    this.change = change;
    this.at = at;
  }

  LocalWrite(FieldChange change, long at, long version) {
    this(change, at);
    this.version = version;
  }

  /** Adds a later change made at {@code at}: its values win. */
  void merge(FieldChange later, long at) {
    change.merge(later);
    this.at = Math.max(this.at, at);
  }
}
