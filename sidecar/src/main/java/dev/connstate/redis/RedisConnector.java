package dev.connstate.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;
import java.util.function.Consumer;

/**
 * Where the sidecar's long-lived Redis connections (each shard's, the event subscription's)
 * come from: the Vert.x client as configured, or, in Sentinel mode, the master the sentinels
 * name now ({@link SentinelMaster}), which also says when the master moved.
 */
public interface RedisConnector {
  /** A new connection to the node to write to. */
  Future<RedisConnection> connect();

  /**
   * Runs {@code listener} (on any thread, with a reason for the log) each time the node to write
   * to changed: every connection made before then must be replaced. Never, by default.
   */
  default void onMasterSwitch(Consumer<String> listener) {
  }

  /** A connection made by this connector was lost: a hint that the master may have moved. */
  default void connectionLost() {
  }
}
