package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;

/**
 * A connection as read from Redis: its v2 hash, or — when it has none — its v1 record.
 *
 * @param legacyJson the v1 document it was read from, or null for a v2 hash; a change to
 *     such a connection converts it to v2 first ({@link ConnectionStore#convert})
 * @param truncated the stored record was too large to read safely (far past the metadata
 *     limits): {@code record} holds its fields without its metadata
 */
public record StoredConnection(ConnectionRecord record, String legacyJson, boolean truncated) {
  public StoredConnection(ConnectionRecord record, String legacyJson) {
    this(record, legacyJson, false);
  }

  /** True if it exists only as a v1 record. */
  public boolean legacy() {
    return legacyJson != null;
  }
}
