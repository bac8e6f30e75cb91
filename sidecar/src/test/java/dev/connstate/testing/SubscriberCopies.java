package dev.connstate.testing;

import dev.connstate.protocol.Addresses;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
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
 * A {@link SubscriberCopy} fed by one in-process sidecar's {@code connstate.events}, to hold the
 * event stream to Redis after a fault test: the copy a subscriber keeps by protocol §8.3
 * (re-reading with {@code get} where a gap shows) must end equal to Redis, and within one life
 * of a handle (from its {@code registered}) every version must be above the last one
 * (DESIGN: each version is published at most once per sidecar, in order).
 */
public final class SubscriberCopies implements AutoCloseable {
  private static final int EXAMPLES = 8;
  private final String name;
  private final Vertx vertx;
  private final MessageConsumer<JsonObject> consumer;
  private final SubscriberCopy copy = new SubscriberCopy();
  private final Map<Long, Long> lastInLife = new HashMap<>();
  private final List<String> notIncreasing = new ArrayList<>();

  /** Subscribes on {@code vertx}'s event bus (an in-process sidecar's). */
  public SubscriberCopies(String name, Vertx vertx) {
    this.name = name;
    this.vertx = vertx;
    this.consumer = vertx.eventBus().consumer(Addresses.EVENTS, message -> accept(message.body()));
    Await.result(consumer.completion());
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

  public long events() {
    return copy.events().size();
  }

  private void rereadStale() {
    for (long handle : copy.stale()) {
      JsonObject reply;
      try {
        reply = vertx.eventBus().<JsonObject>request(Addresses.GET, new JsonObject().put("handle", handle))
            .map(m -> m.body()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ReplyException failure) || failure.failureCode() != 404) {
          // not an answer (503 while Redis heals): the subscriber asks again later
          continue;
        }
        reply = null;
      } catch (TimeoutException e) {
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      copy.reread(handle, reply);
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
    Await.result(consumer.unregister());
  }
}
