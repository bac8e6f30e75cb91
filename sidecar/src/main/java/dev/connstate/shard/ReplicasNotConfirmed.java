package dev.connstate.shard;

/**
 * Redis applied a change, but fewer replicas than {@code redis.criticalReplicas} confirmed that
 * they hold it in time: a failover now could lose it, so it is not acknowledged. Retrying is
 * safe (a repeat of a stored change is recognised as one).
 */
public final class ReplicasNotConfirmed extends RuntimeException {
  private final long confirmed;
  private final int required;

  public ReplicasNotConfirmed(long confirmed, int required, long timeoutMs) {
    super(confirmed + " of " + required + " replicas confirmed it within " + timeoutMs + " ms", null, false, false);
    this.confirmed = confirmed;
    this.required = required;
  }

  public long confirmed() {
    return confirmed;
  }

  public int required() {
    return required;
  }
}
