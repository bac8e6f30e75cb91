package dev.connstate.client;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The in-process transport: the sidecar's own event bus, in the same Vert.x. There is no
 * connection to lose, so it never reconnects; a failed request's {@code ReplyException} becomes
 * its typed {@link ConnStateException}. Consumers are registered on the client's context, so
 * event handlers run there.
 */
final class EventBusTransport implements Transport {
  private final Vertx vertx;
  private final Context context;
  private final DeliveryOptions options;

  EventBusTransport(Vertx vertx, DeliveryOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
  }

  @Override
  public Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, options)
        .recover(failure -> Future.failedFuture(Failures.of(failure)))
        .map(Message::body);
  }

  @Override
  public EventSubscription subscribe(Handler<JsonObject> handler, Runnable reconnected) {
    Promise<MessageConsumer<JsonObject>> registered = Promise.promise();
    Runnable register = () -> {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.EVENTS, m -> handler.handle(m.body()));
      consumer.completion().map(consumer).onComplete(registered);
    };
    if (Vertx.currentContext() == context) {
      register.run();
    } else {
      context.runOnContext(v -> register.run());
    }
    return new EventSubscription() {
      @Override
      public Future<Void> ready() {
        return registered.future().mapEmpty();
      }

      @Override
      public Future<Void> unregister() {
        return registered.future().compose(MessageConsumer::unregister);
      }
    };
  }

  @Override
  public void onReconnected(Handler<Void> listener) {
    // one process: nothing to reconnect, so no event is ever lost this way
  }

  @Override
  public boolean connected() {
    return true;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
