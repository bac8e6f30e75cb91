package dev.connstate.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The rules of docs/protocol.md §8.3 for one subscription: the last version delivered per
 * handle, duplicates dropped, and a re-read with {@code get} where events were missed. Events
 * of a handle that arrive while it is re-read wait for the re-read, then pass the same rules, so
 * the application sees each handle's events in order.
 *
 * <p>Not thread-safe: called on one context, and {@code reader}'s futures complete there too.
 */
final class EventTracker {
  private static final System.Logger LOG = System.getLogger(EventTracker.class.getName());
  private final Map<Long, Long> last = new HashMap<>();
  private final Map<Long, List<ConnectionEvent>> rereading = new HashMap<>();
  private final LongFunction<Future<JsonObject>> reader;
  private final Handler<ConnectionEvent> deliver;
  private long duplicates;
  private long rereads;

  /**
   * @param reader {@code get} of one handle: the connection JSON, or a {@link NotFoundException}
   * @param deliver the application's handler
   */
  EventTracker(LongFunction<Future<JsonObject>> reader, Handler<ConnectionEvent> deliver) {
    this.reader = reader;
    this.deliver = deliver;
  }

  /** One event body from the sidecar. */
  void accept(JsonObject body) {
    ConnectionEvent event;
    try {
      event = ConnectionEvent.fromJson(body);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ignoring a malformed connstate event " + body.encode() + ": " + e);
      return;
    }
    List<ConnectionEvent> waiting = rereading.get(event.handle());
    if (waiting != null) {
      waiting.add(event);
      return;
    }
    apply(event);
  }

  /**
   * The transport reconnected: events sent meanwhile are lost, so a known handle's next event
   * cannot be trusted to follow the last one (a disconnect and a new register may have reset its
   * version). Forgetting every handle makes that next event re-read it, unless it is a
   * {@code registered}.
   */
  void reconnected() {
    last.clear();
  }

  /** Events dropped as already delivered. */
  long duplicates() {
    return duplicates;
  }

  /** Re-reads started because events were missed. */
  long rereads() {
    return rereads;
  }

  private void apply(ConnectionEvent event) {
    long handle = event.handle();
    if (ConnectionEvent.REGISTERED.equals(event.type())) {
      // rule 1: a new lifetime (or a resync's whole connection) replaces the copy whatever came before
      last.put(handle, event.version());
      deliver(event);
      return;
    }
    Long seen = last.get(handle);
    if (seen == null || event.version() > seen + 1) {
      reread(handle);
    } else if (event.version() <= seen) {
      duplicates++;
    } else {
      remember(handle, event);
      deliver(event);
    }
  }

  private void remember(long handle, ConnectionEvent event) {
    if (event.removes()) {
      last.remove(handle);
    } else {
      last.put(handle, event.version());
    }
  }

  private void reread(long handle) {
    rereads++;
    rereading.put(handle, new ArrayList<>());
    reader.apply(handle).onComplete(answer -> {
      List<ConnectionEvent> waiting = rereading.remove(handle);
      if (answer.succeeded()) {
        Connection found = Connection.fromJson(answer.result());
        last.put(handle, found.version());
        deliver(ConnectionEvent.rereadOf(found, answer.result()));
      } else if (answer.cause() instanceof NotFoundException) {
        last.remove(handle);
        deliver(ConnectionEvent.goneOf(handle));
      } else {
        // nothing delivered: the handle stays unknown, so its next event re-reads it again
        last.remove(handle);
        LOG.log(Level.WARNING, "events of connection " + handle + " were missed and re-reading it failed: "
            + answer.cause());
      }
      waiting.forEach(this::applyOrQueue);
    });
  }

  private void applyOrQueue(ConnectionEvent event) {
    List<ConnectionEvent> waiting = rereading.get(event.handle());
    if (waiting != null) {
      waiting.add(event);
    } else {
      apply(event);
    }
  }

  private void deliver(ConnectionEvent event) {
    try {
      deliver.handle(event);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the connstate event handler failed on " + event, e);
    }
  }
}
