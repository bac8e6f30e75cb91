package dev.connstate.shard;

import dev.connstate.model.ConnectionState;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Totals over every shard of one sidecar: live connections by state, and handles with changes
 * not yet stored (the write-behind backlog, bounded by {@code maxPendingHandles}). Each shard
 * adds its own changes; anyone may read. This is state the sidecar decides by (the backlog
 * bound, {@code stats}, readiness); metrics only read it.
 */
public final class ShardTotals {
  private final Map<ConnectionState, AtomicLong> connections = new EnumMap<>(ConnectionState.class);
  private final AtomicLong pendingHandles = new AtomicLong();

  public ShardTotals() {
    for (ConnectionState state : ConnectionState.values()) {
      connections.put(state, new AtomicLong());
    }
  }

  /** Live connections in {@code state}. */
  public long connections(ConnectionState state) {
    return connections.get(state).get();
  }

  /** Live connections in every state. */
  public long connections() {
    long total = 0;
    for (AtomicLong count : connections.values()) {
      total += count.get();
    }
    return total;
  }

  /** Handles with changes acknowledged but not yet stored. */
  public long pendingHandles() {
    return pendingHandles.get();
  }

  void connectionsChanged(ConnectionState state, long delta) {
    connections.get(state).addAndGet(delta);
  }

  void pendingHandlesChanged(long delta) {
    pendingHandles.addAndGet(delta);
  }
}
