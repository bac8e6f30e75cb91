package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;

/**
 * A connection as read from Redis: its v2 hash, or — when it has none — its v1 record.
 *
 * @param legacyJson the v1 document it was read from, or null for a v2 hash; a change to
 *     such a connection converts it to v2 first ({@link ConnectionStore#convert})
 */
public record StoredConnection(ConnectionRecord record, String legacyJson) {
  /** True if it exists only as a v1 record. */
  public boolean legacy() {
    return legacyJson != null;
  }
}
