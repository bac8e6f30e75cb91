package dev.connstate.testing;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.protocol.Addresses;
import dev.connstate.store.RedisKeys;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link SubscriberCopy} fed by one sidecar's {@code connstate.events} through a
 * {@link ConnStateClient} (in process or over the bridge), to hold the event stream to Redis
 * after a fault test: the copy a subscriber keeps by protocol §8.3 (re-reading with {@code get}
 * where a gap shows) must end equal to Redis, and within one life of a handle (from its
 * {@code registered}) every version the sidecar published must be above the last one (DESIGN:
 * each version is published at most once per sidecar, in order).
 *
 * <p>Over the bridge, events sent while the subscriber's socket was down are lost by design
 * (protocol §8.4: a reconnected subscriber starts again from {@code list}). So after a reconnect
 * the copy resynchronises as §8.3 says: it walks {@code connstate.list} and re-reads every handle
 * whose listed version differs from its own, and drops those the list no longer has; and the
 * version order is checked afresh from there, since the restarted stream is a new one.
 */
public final class SubscriberCopies implements AutoCloseable {
  private static final int EXAMPLES = 8;
  private final String name;
  private final ConnStateClient client;
  private final EventSubscription subscription;
  private final SubscriberCopy copy = new SubscriberCopy();
  private final Map<Long, Long> lastInLife = new HashMap<>();
  private final List<String> notIncreasing = new ArrayList<>();
  private int reconnects;
  private int listedAt;

  /** Subscribes through {@code client} and waits until the sidecar delivers events to it. */
  public SubscriberCopies(String name, ConnStateClient client) {
    this.name = name;
    this.client = client;
    client.onReconnected(v -> reconnected());
    this.subscription = client.rawEvents(this::accept);
    Await.result(subscription.ready());
  }

  private synchronized void reconnected() {
    reconnects++;
    lastInLife.clear();
  }

  /** How often the subscriber's bridge socket was connected again (0 in process). */
  public synchronized int reconnects() {
    return reconnects;
  }

  private void accept(ConnectionEvent event) {
    JsonObject json = new JsonObject().put("type", event.type()).put("handle", event.handle())
        .put("version", event.version()).put("changes", event.changes()).put("origin", event.origin());
    if (event.resync()) {
      json.put("resync", true);
    }
    accept(json);
  }

  private synchronized void accept(JsonObject event) {
    long handle = event.getLong("handle");
    long version = event.getLong("version");
    Long previous = lastInLife.put(handle, version);
    if (!"registered".equals(event.getString("type")) && previous != null && version <= previous) {
      notIncreasing.add("handle " + handle + ": " + event.getString("type") + " v" + version + " after v" + previous
          + (event.getBoolean("resync", false) ? " (resync)" : ""));
    }
    copy.accept(event);
  }

  /**
   * Waits (up to {@code within}) until, for every handle Redis holds or the copy holds, the copy
   * agrees with Redis on existence, {@code state}, {@code playerRef}, the metadata keys
   * {@code keys} and the version last seen; the handles a subscriber would re-read are re-read
   * with {@code get} first. Fails naming the handles that still differ.
   */
  public void assertMatches(RedisReader redis, RedisKeys keys, Set<Long> handles, List<String> metadataKeys,
                            Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    List<String> differing;
    while (true) {
      relistAfterReconnect();
      rereadStale();
      differing = differing(redis, keys, handles, metadataKeys);
      if (differing.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      sleepBriefly();
    }
    if (!differing.isEmpty()) {
      throw new AssertionError(name + ": a subscriber applying §8.3 differs from Redis on " + differing.size()
          + " handles after " + within + " (" + events() + " events), first:\n  "
          + String.join("\n  ", differing.subList(0, Math.min(EXAMPLES, differing.size()))));
    }
  }

  /** Every version that did not increase within a handle's life; empty when the stream was in order. */
  public synchronized List<String> notIncreasing() {
    return List.copyOf(notIncreasing);
  }

  /** Its name, the events it received and how often its socket was connected again. */
  public synchronized String summary() {
    return name + ": " + events() + " events, " + reconnects + " reconnects";
  }

  public long events() {
    return copy.events().size();
  }

  /**
   * After a reconnect, the resync of §8.3: the list's version of each handle replaces the copy's
   * by a re-read, and handles the list lacks are dropped. Done once the load is over, which for a
   * quiet store is what a subscriber listing right after its reconnect ends up with.
   */
  private void relistAfterReconnect() {
    int seen;
    synchronized (this) {
      seen = reconnects;
      if (listedAt == seen) {
        return;
      }
    }
    Map<Long, Long> listed = new HashMap<>();
    String cursor = null;
    do {
      JsonObject body = new JsonObject().put("limit", 1_000);
      if (cursor != null) {
        body.put("cursor", cursor);
      }
      JsonObject page = ask(Addresses.LIST, body);
      if (page == null) {
        return; // not answered (503 while Redis heals): the next round lists again
      }
      JsonArray connections = page.getJsonArray("connections");
      for (int i = 0; i < connections.size(); i++) {
        JsonObject connection = connections.getJsonObject(i);
        listed.put(connection.getLong("handle"), connection.getLong("version"));
      }
      cursor = page.getString("cursor");
    } while (cursor != null);
    copy.resynchronise(listed);
    synchronized (this) {
      listedAt = seen;
    }
  }

  private void rereadStale() {
    for (long handle : copy.stale()) {
      JsonObject reply = ask(Addresses.GET, new JsonObject().put("handle", handle));
      if (reply == NOT_FOUND) {
        copy.reread(handle, null);
      } else if (reply != null) {
        copy.reread(handle, reply);
      }
    }
  }

  private static final JsonObject NOT_FOUND = new JsonObject();

  /** The reply, {@link #NOT_FOUND} for a 404, or null when not answered (the subscriber asks again later). */
  private JsonObject ask(String address, JsonObject body) {
    try {
      return client.request(address, body).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplyException failure && failure.failureCode() == 404) {
        return NOT_FOUND;
      }
      return null; // 503 while Redis heals, or a socket that is reconnecting
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private List<String> differing(RedisReader redis, RedisKeys keys, Set<Long> handles, List<String> metadataKeys) {
    Set<Long> all = new TreeSet<>(handles);
    copy.events().forEach(e -> all.add(e.getLong("handle")));
    List<String> out = new ArrayList<>();
    for (long handle : all) {
      Map<String, String> hash = redis.hgetall(keys.connection(handle));
      JsonObject held = copy.copy(handle);
      if (hash.isEmpty() != (held == null)) {
        out.add("handle " + handle + ": " + (held == null ? "Redis holds version " + hash.get("version")
            + ", the copy has none" : "Redis holds none, the copy has v" + copy.version(handle) + " " + held.encode())
            + "; last events " + recent(handle));
        continue;
      }
      if (held == null) {
        continue;
      }
      List<String> fields = new ArrayList<>();
      compare(fields, "state", hash.get("state"), held.getString("state"));
      compare(fields, "playerRef", hash.get("playerRef"), held.getString("playerRef"));
      compare(fields, "version", hash.get("version"), String.valueOf(copy.version(handle)));
      JsonObject metadata = held.getJsonObject("metadata", new JsonObject());
      for (String key : metadataKeys) {
        compare(fields, "meta:" + key, hash.get("meta:" + key), metadata.getString(key));
      }
      if (!fields.isEmpty()) {
        out.add("handle " + handle + ": " + String.join(", ", fields) + "; last events " + recent(handle));
      }
    }
    return out;
  }

  private List<String> recent(long handle) {
    List<String> all = copy.eventsOf(handle);
    return all.subList(Math.max(0, all.size() - 10), all.size());
  }

  private static void compare(List<String> out, String field, String redis, String copy) {
    if (!Objects.equals(redis, copy)) {
      out.add(field + " Redis " + redis + " copy " + copy);
    }
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    Await.result(subscription.unregister());
  }
}
