package dev.connstate.testing;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The change events of one handle as a client receives them, and futures that complete when
 * a given number has arrived: a test awaits the event rather than polling for it.
 */
public final class EventLog {
  private final long handle;
  private final List<ConnectionEvent> events = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final EventSubscription consumer;

  private record Waiter(int count, Promise<List<ConnectionEvent>> promise) {
  }

  private EventLog(ConnStateClient client, long handle) {
    this.handle = handle;
    this.consumer = client.rawEvents(this::received);
  }

  /** Starts listening; completes once the subscription is in place. */
  public static Future<EventLog> of(ConnStateClient client, long handle) {
    EventLog log = new EventLog(client, handle);
    return log.consumer.ready().map(log);
  }

  /** Completes with the events so far once at least {@code count} have arrived. */
  public synchronized Future<List<ConnectionEvent>> first(int count) {
    Promise<List<ConnectionEvent>> promise = Promise.promise();
    waiters.add(new Waiter(count, promise));
    release();
    return promise.future();
  }

  /** Every event so far. */
  public synchronized List<ConnectionEvent> all() {
    return List.copyOf(events);
  }

  /** Stops listening. */
  public Future<Void> close() {
    return consumer.unregister();
  }

  private synchronized void received(ConnectionEvent event) {
    if (event.handle() == handle) {
      events.add(event);
      release();
    }
  }

  private void release() {
    waiters.removeIf(w -> {
      if (events.size() >= w.count()) {
        w.promise().complete(List.copyOf(events));
        return true;
      }
      return false;
    });
  }
}
