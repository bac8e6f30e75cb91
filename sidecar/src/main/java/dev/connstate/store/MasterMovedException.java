package dev.connstate.store;

/**
 * A connection was dropped because the Redis master moved (a Sentinel failover): whatever was
 * in flight on it may or may not be stored.
 */
final class MasterMovedException extends RuntimeException {
  MasterMovedException(String reason) {
    super(reason + "; the connection to the old master was closed", null, false, false);
  }
}
