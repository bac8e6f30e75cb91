package dev.connstate.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/**
 * How {@link ConnStateClient} reaches a sidecar: the in-process event bus or the TCP bridge.
 * Both fail requests with {@link ConnStateException}s and deliver raw event bodies on the
 * client's context.
 */
interface Transport {
  /** Sends one command; completes with the reply body or fails with a {@link ConnStateException}. */
  Future<JsonObject> request(String address, JsonObject body);

  /**
   * Delivers every {@code connstate.events} body to {@code handler} until the returned
   * subscription is unregistered; {@code reconnected} runs after the transport reconnected and
   * before the first event of the new connection (never, in process).
   */
  EventSubscription subscribe(Handler<JsonObject> handler, Runnable reconnected);

  /** Runs {@code listener} on the client's context after every reconnect (never, in process). */
  void onReconnected(Handler<Void> listener);

  /** True while requests can be sent at once (over the bridge: connected and authenticated; in process: always). */
  boolean connected();

  /** Stops: pending requests fail, no more events. */
  Future<Void> close();
}
