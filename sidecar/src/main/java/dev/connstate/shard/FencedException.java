package dev.connstate.shard;

/**
 * A change was refused because this sidecar does not hold its owner lease (DESIGN §7): it
 * lapsed (a long pause, a partition) or another process took the instance id. The change
 * certainly was not stored; the sidecar takes a new lease and reloads by itself.
 */
public final class FencedException extends RuntimeException {
  public FencedException(String message) {
    super(message, null, false, false);
  }
}
