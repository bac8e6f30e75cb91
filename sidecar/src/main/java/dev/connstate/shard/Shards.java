package dev.connstate.shard;

import dev.connstate.model.ChangeEvent;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.Fields;
import dev.connstate.protocol.Command;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Routes each command and event to the shard that owns its handle
 * ({@code floorMod(mix(handle), N)}, DESIGN §5), and gathers the commands that span all
 * shards (list, byPlayer, multi-handle touch, stats).
 */
public final class Shards {
  private final List<ShardVerticle> shards;
  private final ShardTotals totals;
  private final Supplier<JsonObject> redisStatus;
  private final int maxReplyBytes;

  /**
   * @param redisStatus what {@code stats} reports about Redis (the last health check)
   * @param maxReplyBytes about the most bytes of connections one list page holds
   */
  public Shards(List<ShardVerticle> shards, ShardTotals totals, Supplier<JsonObject> redisStatus, int maxReplyBytes) {
    this.shards = List.copyOf(shards);
    this.totals = totals;
    this.redisStatus = redisStatus;
    this.maxReplyBytes = maxReplyBytes;
  }

  private record Sized(JsonObject json, int bytes) {
  }

  /** The shard index that owns {@code handle} among {@code count} shards. */
  public static int indexOf(long handle, int count) {
    return Math.floorMod(mix(handle), count);
  }

  /** SplitMix64's finalizer: consecutive handles spread evenly over the shards. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  public int count() {
    return shards.size();
  }

  public ShardVerticle of(long handle) {
    return shards.get(indexOf(handle, shards.size()));
  }

  /** Executes a validated command; the reply body, or a failure carrying its code. */
  public Future<JsonObject> execute(Command command) {
    if (command instanceof Command.ForHandle forHandle) {
      return of(forHandle.handle()).execute(forHandle);
    }
    if (command instanceof Command.TouchMany touch) {
      return touch(touch.handles());
    }
    if (command instanceof Command.ListConnections query) {
      return list(query);
    }
    if (command instanceof Command.ByPlayer byPlayer) {
      return all(s -> s.byPlayer(byPlayer.playerRef())).map(parts -> {
        List<Long> handles = new ArrayList<>();
        parts.forEach(handles::addAll);
        handles.sort(null);
        return new JsonObject().put("playerRef", byPlayer.playerRef().toString()).put("handles", new JsonArray(handles));
      });
    }
    if (command instanceof Command.Stats) {
      return Future.succeededFuture(stats());
    }
    if (command instanceof Command.Session session) {
      // the connections this sidecar owns in that session: those its grace would expire
      return sessionHandles(shards.get(0).instanceId(), session.session()).map(handles -> new JsonObject()
          .put("session", session.session()).put("connections", handles.size()));
    }
    return Future.failedFuture(new IllegalStateException("no route for " + command));
  }

  /** Expires a connection on its shard, in its turn (DESIGN §7): {@code {"handle", "expired": bool}}. */
  public Future<JsonObject> expire(long handle, Expiry expiry) {
    return of(handle).expire(handle, expiry);
  }

  /** Handles of connections owned by {@code owner} in client session {@code session}, in order. */
  public Future<List<Long>> sessionHandles(String owner, String session) {
    return all(s -> s.sessionHandles(owner, session)).map(parts -> {
      List<Long> handles = new ArrayList<>();
      parts.forEach(handles::addAll);
      handles.sort(null);
      return handles;
    });
  }

  /** The client sessions of the connections owned by {@code owner}. */
  public Future<Set<String>> sessions(String owner) {
    return all(s -> s.sessions(owner)).map(parts -> {
      Set<String> sessions = new TreeSet<>();
      parts.forEach(sessions::addAll);
      return sessions;
    });
  }

  /** Applies a change event on the shard of its handle. */
  public void apply(ChangeEvent event) {
    of(event.handle()).apply(event);
  }

  /** Loads the given handles, each on its shard; returns the orphans (no hash). */
  public Future<List<Long>> load(List<Long> handles, int batchSize) {
    List<List<Long>> byShard = split(handles);
    return all(s -> s.load(byShard.get(shards.indexOf(s)), batchSize)).map(parts -> {
      List<Long> orphans = new ArrayList<>();
      parts.forEach(orphans::addAll);
      return orphans;
    });
  }

  /** Every handle the store lists as live (asked on the first shard's store). */
  public Future<List<Long>> listHandles() {
    return shards.get(0).listHandles();
  }

  /**
   * One convergence audit run over every shard (DESIGN §7), comparing at most {@code sample}
   * connections with Redis: half of them drawn at random from the active set (on the first
   * shard's store), where connections this sidecar lacks can show, the rest drawn from the
   * connections the shards hold, in equal parts. Each shard compares and repairs its own, on its
   * own event loop ({@link ShardVerticle#audit}). Fails only if the active set cannot be read;
   * a shard whose reads failed is reported in the result.
   */
  public Future<AuditReport> audit(int sample, long settleMs) {
    int fromRedis = sample / 2;
    int fromMemory = sample - fromRedis;
    Future<List<Long>> drawn = fromRedis == 0 ? Future.succeededFuture(List.of())
        : shards.get(0).sampleHandles(fromRedis);
    return drawn.compose(handles -> {
      List<List<Long>> byShard = split(handles);
      return all(s -> {
        int i = shards.indexOf(s);
        // the memory share split evenly, the first shards taking the remainder
        int share = fromMemory / shards.size() + (i < fromMemory % shards.size() ? 1 : 0);
        return s.audit(byShard.get(i), share, settleMs);
      });
    }).map(parts -> parts.stream().reduce(AuditReport.EMPTY, AuditReport::plus));
  }

  /** Removes the orphans among {@code handles} from the active set (on the first shard's store); how many. */
  public Future<Long> removeOrphans(List<Long> handles) {
    return shards.get(0).removeOrphans(handles);
  }

  /** Every handle with a connection record, listed or not (a keyspace scan on the first shard's store). */
  public Future<List<Long>> scanHandles() {
    return shards.get(0).scanHandles();
  }

  /** Loads and lists again connections the store holds but did not list; how many. */
  public Future<Integer> loadUnlisted(List<Long> handles, int batchSize) {
    List<List<Long>> byShard = split(handles);
    return all(s -> s.loadUnlisted(byShard.get(shards.indexOf(s)), batchSize))
        .map(parts -> parts.stream().mapToInt(Integer::intValue).sum());
  }

  /** After missed events: each shard re-reads its handles and these members of the active set. */
  public Future<Void> resync(List<Long> activeMembers, int batchSize) {
    List<List<Long>> byShard = split(activeMembers);
    return all(s -> s.resync(byShard.get(shards.indexOf(s)), batchSize)).mapEmpty();
  }

  /** Shutdown: drains every shard for at most {@code timeoutMs}; returns what stayed unstored. */
  public Future<List<String>> drain(long timeoutMs) {
    return all(s -> s.drain(timeoutMs)).map(parts -> {
      List<String> unstored = new ArrayList<>();
      parts.forEach(unstored::addAll);
      return unstored;
    });
  }

  private Future<JsonObject> touch(List<Long> handles) {
    List<List<Long>> byShard = split(handles);
    List<Future<List<ShardVerticle.TouchOutcome>>> parts = new ArrayList<>();
    List<List<Long>> asked = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      if (!byShard.get(i).isEmpty()) {
        parts.add(shards.get(i).touch(byShard.get(i)));
        asked.add(byShard.get(i));
      }
    }
    return Future.all(parts).map(all -> {
      List<Long> touched = new ArrayList<>();
      List<Long> unknown = new ArrayList<>();
      List<Long> refused = new ArrayList<>();
      for (int p = 0; p < parts.size(); p++) {
        List<ShardVerticle.TouchOutcome> outcomes = parts.get(p).result();
        for (int i = 0; i < outcomes.size(); i++) {
          long handle = asked.get(p).get(i);
          switch (outcomes.get(i)) {
            case TOUCHED -> touched.add(handle);
            case UNKNOWN -> unknown.add(handle);
            case REFUSED -> refused.add(handle);
          }
        }
      }
      touched.sort(null);
      unknown.sort(null);
      refused.sort(null);
      return new JsonObject().put("handles", new JsonArray(touched)).put("persisted", false)
          .put("unknown", new JsonArray(unknown)).put("refused", new JsonArray(refused));
    });
  }

  /**
   * One page in handle order: at most {@code limit} connections, and no more once they reach
   * {@code maxReplyBytes} (a client asking for 10,000 connections of 64 KiB gets them a page at
   * a time, following the cursor), so no reply outgrows what a sidecar can hold.
   */
  private Future<JsonObject> list(Command.ListConnections query) {
    return all(s -> s.list(query)).map(pages -> {
      List<Sized> merged = new ArrayList<>();
      long total = 0;
      long after = 0;
      for (ShardVerticle.Page part : pages) {
        for (int i = 0; i < part.connections().size(); i++) {
          merged.add(new Sized(part.connections().get(i), part.sizes().get(i)));
        }
        total += part.total();
        after += part.after();
      }
      merged.sort(Comparator.comparingLong(c -> c.json().getLong(Fields.HANDLE)));
      List<JsonObject> page = new ArrayList<>();
      long bytes = 0;
      for (int i = 0; i < Math.min(query.limit(), merged.size()) && (i == 0 || bytes < maxReplyBytes); i++) {
        page.add(merged.get(i).json());
        bytes += merged.get(i).bytes();
      }
      Object cursor = after > page.size() && !page.isEmpty()
          ? Long.toString(page.get(page.size() - 1).getLong(Fields.HANDLE)) : null;
      return new JsonObject().put("connections", new JsonArray(page))
          .put("cursor", cursor).put("total", total);
    });
  }

  private JsonObject stats() {
    JsonObject byState = new JsonObject();
    long total = 0;
    for (ConnectionState state : ConnectionState.values()) {
      long n = totals.connections(state);
      byState.put(state.wire(), n);
      total += n;
    }
    return new JsonObject()
        .put("connections", total)
        .put("byState", byState)
        .put("pendingWrites", totals.pendingHandles())
        .put("shards", shards.size())
        .put("redis", redisStatus.get());
  }

  private List<List<Long>> split(List<Long> handles) {
    List<List<Long>> byShard = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      byShard.add(new ArrayList<>());
    }
    for (long handle : handles) {
      byShard.get(indexOf(handle, shards.size())).add(handle);
    }
    return byShard;
  }

  private <T> Future<List<T>> all(Function<ShardVerticle, Future<T>> call) {
    List<Future<T>> parts = new ArrayList<>(shards.size());
    for (ShardVerticle shard : shards) {
      parts.add(call.apply(shard));
    }
    return Future.all(parts).map(all -> {
      List<T> out = new ArrayList<>(parts.size());
      parts.forEach(p -> out.add(p.result()));
      return out;
    });
  }
}
