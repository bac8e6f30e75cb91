package dev.connstate.testing;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A subscriber of {@code connstate.events} that keeps a copy of every connection by the rules
 * of protocol §8.3, as a game server would: {@code registered} replaces the copy; a version gap
 * (or an unknown handle) asks for a re-read, which the test answers with {@link #reread}; a
 * version already applied is ignored; otherwise {@code disconnected}/{@code expired} drop the
 * connection and any other type merges its changes (null removes). Thread-safe: events arrive
 * on an event loop while the test reads the copy.
 */
public final class SubscriberCopy {
  private final Map<Long, JsonObject> copies = new TreeMap<>();
  private final Map<Long, Long> last = new TreeMap<>();
  private final Set<Long> stale = new TreeSet<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(int count, CompletableFuture<Void> done) {
  }

  /** Applies one event as §8.3 says. */
  public synchronized void accept(JsonObject event) {
    events.add(event);
    apply(event);
    waiters.removeIf(w -> w.count() <= events.size() && w.done().complete(null));
  }

  /** Completes once {@code count} events in all have arrived. */
  public synchronized CompletableFuture<Void> received(int count) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (events.size() >= count) {
      done.complete(null);
    } else {
      waiters.add(new Waiter(count, done));
    }
    return done;
  }

  private void apply(JsonObject event) {
    long handle = event.getLong("handle");
    long version = event.getLong("version");
    String type = event.getString("type");
    JsonObject changes = event.getJsonObject("changes");
    if ("registered".equals(type)) {
      copies.put(handle, changes.copy());
      last.put(handle, version);
      stale.remove(handle);
      return;
    }
    Long known = last.get(handle);
    if (known == null || version > known + 1) {
      stale.add(handle);
      return;
    }
    if (version <= known) {
      return;
    }
    last.put(handle, version);
    if ("disconnected".equals(type) || "expired".equals(type)) {
      copies.remove(handle);
      last.remove(handle);
      return;
    }
    JsonObject copy = copies.get(handle);
    for (String field : changes.fieldNames()) {
      Object value = changes.getValue(field);
      if ("metadata".equals(field)) {
        JsonObject metadata = copy.getJsonObject("metadata", new JsonObject());
        ((JsonObject) value).forEach(e -> {
          if (e.getValue() == null) {
            metadata.remove(e.getKey());
          } else {
            metadata.put(e.getKey(), e.getValue());
          }
        });
        copy.put("metadata", metadata);
      } else if (value == null) {
        copy.remove(field);
      } else {
        copy.put(field, value);
      }
    }
  }

  /** Handles whose events showed a gap: the subscriber must re-read them. */
  public synchronized Set<Long> stale() {
    return Set.copyOf(stale);
  }

  /** The answer to a re-read: the connection as {@code get} returned it, or null for a 404. */
  public synchronized void reread(long handle, JsonObject connection) {
    stale.remove(handle);
    if (connection == null) {
      copies.remove(handle);
      last.remove(handle);
    } else {
      copies.put(handle, comparable(connection));
      last.put(handle, connection.getLong("version"));
    }
  }

  /**
   * A resync from {@code connstate.list} after the subscriber's socket was down (§8.3): every
   * handle whose listed version differs from the one applied last is to be re-read, and every
   * handle the list does not hold is dropped.
   */
  public synchronized void resynchronise(Map<Long, Long> listed) {
    listed.forEach((handle, version) -> {
      if (!version.equals(last.get(handle))) {
        stale.add(handle);
      }
    });
    for (Long handle : Set.copyOf(copies.keySet())) {
      if (!listed.containsKey(handle)) {
        copies.remove(handle);
        last.remove(handle);
        stale.remove(handle);
      }
    }
  }

  /** The version applied last for {@code handle}, or null if it holds no such connection. */
  public synchronized Long version(long handle) {
    return last.get(handle);
  }

  /** Its copy of {@code handle} in the shape of {@link #comparable}, or null. */
  public synchronized JsonObject copy(long handle) {
    JsonObject copy = copies.get(handle);
    return copy == null ? null : comparable(copy);
  }

  /** Every event received, in order. */
  public List<JsonObject> events() {
    return List.copyOf(events);
  }

  /** The events received for {@code handle}, as {@code "type vN"} plus {@code " resync"} when marked so. */
  public List<String> eventsOf(long handle) {
    return events.stream().filter(e -> e.getLong("handle") == handle)
        .map(e -> e.getString("type") + " v" + e.getLong("version") + (e.getBoolean("resync", false) ? " resync" : ""))
        .toList();
  }

  /**
   * A connection (a {@code get} reply, a stored record's JSON, or a copy) reduced to what events
   * carry: every field but {@code handle}, {@code version}, {@code lastSeen} and absent ones.
   */
  public static JsonObject comparable(JsonObject connection) {
    JsonObject out = connection.copy();
    out.remove("handle");
    out.remove("version");
    out.remove("lastSeen");
    out.remove("created");
    out.fieldNames().removeIf(field -> out.getValue(field) == null);
    return out;
  }
}
