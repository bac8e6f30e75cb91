package dev.connstate.testing;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.Connection;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Compares what sidecars answer with what Redis holds: {@code get} of each handle against its
 * hash ({@code state}, {@code playerRef}, metadata, {@code version}; 404 where there is no hash),
 * and what a sidecar started later loaded.
 */
final class SidecarAgreement {
  private static final int EXAMPLES = 8;
  private static final int BATCH = 500;
  private static final long POLL_MS = 200;
  private final RedisKeys keys;
  private final RedisReader redis;

  SidecarAgreement(RedisKeys keys, RedisReader redis) {
    this.keys = keys;
    this.redis = redis;
  }

  /** Polls until every sidecar agrees with Redis on every handle, or fails after {@code within} listing who does not. */
  void assertAgree(List<HandleHistory> histories, List<ConnStateClient> sidecars, Duration within,
                   Supplier<String> summary) {
    List<Long> handles = histories.stream().map(h -> h.handle).toList();
    long deadline = System.nanoTime() + within.toNanos();
    Map<Integer, Map<Long, String>> differing;
    while (true) {
      differing = differing(handles, sidecars);
      if (differing.values().stream().allMatch(Map::isEmpty) || System.nanoTime() > deadline) {
        break;
      }
      // keep comparing only the handles that differed: they must converge too
      handles = differing.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
      pause();
    }
    StringBuilder failures = new StringBuilder();
    Map<Long, HandleHistory> byHandleHistory = new HashMap<>();
    histories.forEach(h -> byHandleHistory.put(h.handle, h));
    differing.forEach((index, byHandle) -> {
      if (!byHandle.isEmpty()) {
        failures.append("\nsidecar ").append(index).append(": ").append(byHandle.size())
            .append(" handles still differ from Redis after ").append(within).append(", first:");
        byHandle.entrySet().stream().limit(EXAMPLES)
            .forEach(e -> failures.append("\n  handle ").append(e.getKey()).append(": ").append(e.getValue())
                .append("\n    its commands: ").append(byHandleHistory.get(e.getKey()).lastCommands()));
      }
    });
    if (failures.length() > 0) {
      throw new AssertionError("sidecars' get differs from Redis" + failures + "\n" + summary.get());
    }
  }

  /** Every handle in {@code live} is answered by {@code late}, whose count equals Redis's active set. */
  void assertLoaded(List<Long> live, ConnStateClient late, Supplier<String> summary) {
    Map<Long, String> missing = new LinkedHashMap<>();
    for (int from = 0; from < live.size(); from += BATCH) {
      List<Long> batch = live.subList(from, Math.min(live.size(), from + BATCH));
      Map<Long, Future<Connection>> answers = new HashMap<>();
      batch.forEach(h -> answers.put(h, late.get(h)));
      Await.result(Future.join(new ArrayList<>(answers.values())).otherwiseEmpty());
      batch.forEach(h -> {
        if (answers.get(h).failed()) {
          missing.put(h, answers.get(h).cause().getMessage());
        }
      });
    }
    long counted = Await.result(late.stats()).getLong("connections");
    long inRedis = redis.smembers(keys.active()).size();
    if (!missing.isEmpty() || counted != inRedis) {
      throw new AssertionError("a sidecar started after the load counts " + counted + " connections, Redis's active set "
          + inRedis + "; " + missing.size() + " of " + live.size() + " acknowledged live connections not answered"
          + (missing.isEmpty() ? "" : ", first: " + missing.entrySet().stream().limit(EXAMPLES).toList())
          + "\n" + summary.get());
    }
  }

  /** By sidecar index: the handles whose get differs from Redis, with how. */
  private Map<Integer, Map<Long, String>> differing(List<Long> handles, List<ConnStateClient> sidecars) {
    Map<Integer, Map<Long, String>> out = new LinkedHashMap<>();
    for (int i = 0; i < sidecars.size(); i++) {
      out.put(i, new LinkedHashMap<>());
    }
    for (int from = 0; from < handles.size(); from += BATCH) {
      List<Long> batch = handles.subList(from, Math.min(handles.size(), from + BATCH));
      List<Map<Long, Future<Connection>>> answers = new ArrayList<>();
      List<Future<Connection>> all = new ArrayList<>();
      for (ConnStateClient sidecar : sidecars) {
        Map<Long, Future<Connection>> bySidecar = new HashMap<>();
        batch.forEach(h -> bySidecar.put(h, sidecar.get(h)));
        all.addAll(bySidecar.values());
        answers.add(bySidecar);
      }
      Await.result(Future.join(new ArrayList<>(all)).otherwiseEmpty());
      for (long handle : batch) {
        Map<String, String> stored = redis.hgetall(keys.connection(handle));
        for (int i = 0; i < sidecars.size(); i++) {
          String difference = difference(answers.get(i).get(handle), stored);
          if (difference != null) {
            out.get(i).put(handle, difference);
          }
        }
      }
    }
    return out;
  }

  private static String difference(Future<Connection> answer, Map<String, String> stored) {
    if (answer.failed()) {
      boolean notFound = answer.cause() instanceof ReplyException reply && reply.failureCode() == 404;
      if (notFound && stored.isEmpty()) {
        return null;
      }
      return "get failed (" + answer.cause().getMessage() + "), Redis holds " + describe(stored);
    }
    return difference(answer.result(), stored);
  }

  /** How a connection a sidecar shows differs from the hash Redis holds; null if it does not. */
  static String difference(Connection shown, Map<String, String> stored) {
    if (stored.isEmpty()) {
      return "get shows version " + shown.version() + " (" + shown.state() + " " + shown.playerRef()
          + "), Redis has no hash";
    }
    List<String> out = new ArrayList<>();
    if (!Objects.equals(shown.state(), stored.get("state"))) {
      out.add("state " + shown.state() + " vs " + stored.get("state"));
    }
    if (!Objects.equals(shown.playerRef(), stored.get("playerRef"))) {
      out.add("playerRef " + shown.playerRef() + " vs " + stored.get("playerRef"));
    }
    if (!Long.toString(shown.version()).equals(stored.get("version"))) {
      out.add("version " + shown.version() + " vs " + stored.get("version"));
    }
    Map<String, String> metadata = metadata(stored);
    if (!shown.metadata().equals(metadata)) {
      out.add("metadata " + shown.metadata() + " vs " + metadata);
    }
    return out.isEmpty() ? null : "get vs Redis: " + String.join(", ", out);
  }

  private static Map<String, String> metadata(Map<String, String> stored) {
    Map<String, String> out = new HashMap<>();
    stored.forEach((field, value) -> {
      if (field.startsWith("meta:")) {
        out.put(field.substring("meta:".length()), value);
      }
    });
    return out;
  }

  private static String describe(Map<String, String> stored) {
    return stored.isEmpty() ? "no hash" : "version " + stored.get("version") + " " + stored.get("state") + " "
        + stored.getOrDefault("playerRef", "");
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MS); // between comparisons of state that converges by itself
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
