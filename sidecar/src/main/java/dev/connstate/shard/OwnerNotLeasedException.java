package dev.connstate.shard;

/**
 * A register named as owner another sidecar that holds no lease (DESIGN §7): that owner is dead
 * (or never ran), so its new connection would be expired at the next reap. Nothing was stored;
 * the client hears 400 on {@code owner}.
 */
public final class OwnerNotLeasedException extends RuntimeException {
  private final String owner;

  public OwnerNotLeasedException(String owner, String leaseKey) {
    super("no sidecar holds a lease for owner '" + owner + "' (" + leaseKey + ")", null, false, false);
    this.owner = owner;
  }

  public String owner() {
    return owner;
  }
}
