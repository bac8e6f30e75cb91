package dev.connstate.shard;

import io.vertx.core.Vertx;

/** Opens the store a shard uses; called once per shard, on that shard's event loop. */
@FunctionalInterface
public interface StoreFactory {
  /** A new store for shard {@code shard}, not started yet. */
  ConnectionStore open(Vertx vertx, int shard);
}
