package dev.connstate.shard;

/**
 * The store gave up on a change: every attempt conflicted with another writer (the v1 store's
 * optimistic locking, {@code store.legacyRetries}). Nothing was stored; the caller answers 503.
 */
public final class DroppedChangeException extends RuntimeException {
  public DroppedChangeException(long handle, int retries) {
    super("the v1 store dropped the change of connection " + handle + " after " + retries
        + " retries: other writers changed it each time (optimistic locking)", null, false, false);
  }
}
