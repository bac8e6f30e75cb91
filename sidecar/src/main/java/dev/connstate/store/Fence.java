package dev.connstate.store;

/**
 * The owner lease as the change script sees it (DESIGN §7): the epoch each change carries, so
 * that Redis refuses a change from a sidecar whose lease lapsed. Called from every shard's
 * event loop.
 */
public interface Fence {
  /** Leases off ({@code leaseTtlMs: 0}): changes carry no epoch and are never refused. */
  Fence NONE = new Fence() {
    @Override
    public String epochForChange() {
      return "";
    }

    @Override
    public void refused(String epoch, String held) {
      throw new IllegalStateException("Redis fenced a change although leases are off");
    }
  };

  /**
   * The epoch to send with a change now, or null if this sidecar must not write: its lease is
   * not held, or may have lapsed in Redis already.
   */
  String epochForChange();

  /** Redis refused a change that carried {@code epoch}: its lease holds {@code held} (null: no lease). */
  void refused(String epoch, String held);
}
