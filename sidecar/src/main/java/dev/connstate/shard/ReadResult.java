package dev.connstate.shard;

import dev.connstate.model.MalformedRecordException;

/**
 * What reading one connection of a batch found: the connection, nothing, or a record that
 * cannot be read (left untouched in the store, and reported by the caller).
 *
 * @param stored the connection, or null
 * @param malformed why the stored record cannot be read, or null
 */
public record ReadResult(StoredConnection stored, MalformedRecordException malformed) {
  /** The store holds no such connection. */
  public static final ReadResult MISSING = new ReadResult(null, null);

  public static ReadResult found(StoredConnection stored) {
    return stored == null ? MISSING : new ReadResult(stored, null);
  }

  public static ReadResult malformed(MalformedRecordException malformed) {
    return new ReadResult(null, malformed);
  }

  /** True if the store holds no such connection. */
  public boolean missing() {
    return stored == null && malformed == null;
  }
}
