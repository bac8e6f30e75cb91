package dev.connstate.client;

import io.vertx.core.Future;

/**
 * A handler receiving {@code connstate.events}, from {@link ConnStateClient#events} or
 * {@link ConnStateClient#rawEvents}. Register before you {@code list}, so that no change falls
 * between the two (docs/protocol.md §8.3).
 */
public interface EventSubscription {
  /**
   * Completes once the sidecar delivers events to this subscription: in process when the
   * consumer is registered; over the bridge when the sidecar has processed the {@code register}
   * frame (checked with a ping after it, as the protocol has no acknowledgement). Over the bridge
   * it waits for the first connection.
   */
  Future<Void> ready();

  /** Stops delivery; no handler call follows the completion of the returned future. */
  Future<Void> unregister();
}
