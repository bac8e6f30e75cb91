package dev.connstate.bench;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.Fields;
import dev.connstate.model.SharpMushKeys;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario (c), startup load: writes {@code n} realistic v2 connections (the five SharpMUSH keys
 * and three protocol keys, half of them logged in) under a prefix of their own, then times a
 * fresh sidecar from process start to ready, reads how long its load took, and measures its heap
 * per connection against a sidecar with none. Removes what it wrote.
 */
final class StartupBench {
  private static final int BATCH = 1_000;

  private StartupBench() {
  }

  /** The figures of one startup measurement. */
  record Result(int connections, double loadMs, double readyMs, double emptyReadyMs, double heapPerConnectionBytes) {
    JsonObject toJson() {
      return new JsonObject().put("scenario", "startup").put("connections", connections).put("loadMs", loadMs)
          .put("readyMs", readyMs).put("emptyReadyMs", emptyReadyMs)
          .put("heapPerConnectionBytes", heapPerConnectionBytes);
    }

    String table() {
      return String.format(java.util.Locale.ROOT, """
          scenario      startup load of %,d connections
          load          %.0f ms (the sidecar's own timing, connstate_startup_load_seconds)
          ready         %.0f ms from process start (%.0f ms with no connections)
          heap          %.0f bytes per connection after a full GC
          """, connections, loadMs, readyMs, emptyReadyMs, heapPerConnectionBytes);
    }
  }

  static Future<Void> populate(Redis redis, String prefix, int n) {
    RedisKeys keys = new RedisKeys(prefix);
    Future<Void> chain = Future.succeededFuture();
    for (int start = 0; start < n; start += BATCH) {
      int from = start;
      chain = chain.compose(v -> redis.batch(batch(keys, from, Math.min(n, from + BATCH))).mapEmpty());
    }
    return chain;
  }

  private static List<Request> batch(RedisKeys keys, int from, int to) {
    List<Request> requests = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (long h = from; h < to; h++) {
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put(SharpMushKeys.CONNECTION_START_TIME, Long.toString(now - h));
      meta.put(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
      meta.put(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS, "198.51.100." + (h % 250) + ":" + (1024 + h % 60_000));
      meta.put(SharpMushKeys.HOST_NAME, "client-" + h + ".example.net");
      meta.put(SharpMushKeys.CONNECTION_TYPE, h % 3 == 0 ? "websocket" : "telnet");
      meta.put("WIDTH", "120");
      meta.put("HEIGHT", "40");
      meta.put("TerminalType", "XTERM-256COLOR");
      ConnectionRecord record = ConnectionRecord.create(h, meta.get(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS),
          meta.get(SharpMushKeys.HOST_NAME), meta.get(SharpMushKeys.CONNECTION_TYPE), "bench-loader", now - h, meta);
      Request hset = Request.cmd(Command.HSET).arg(keys.connection(h)).arg(Fields.HANDLE).arg(h)
          .arg(Fields.VERSION).arg(1).arg(Fields.LAST_SEEN).arg(now);
      record.registerFields().forEach(hset::arg);
      if (h % 2 == 0) {
        hset.arg(Fields.PLAYER_REF).arg("#" + h + ":1700000000000").arg(Fields.STATE).arg("LoggedIn");
      }
      requests.add(hset);
      requests.add(Request.cmd(Command.SADD).arg(keys.active()).arg(h));
    }
    return requests;
  }

  static Future<Void> remove(Redis redis, String prefix, int n) {
    RedisKeys keys = new RedisKeys(prefix);
    Future<Void> chain = Future.succeededFuture();
    for (int start = 0; start < n; start += BATCH) {
      int from = start;
      chain = chain.compose(v -> {
        Request unlink = Request.cmd(Command.UNLINK);
        for (long h = from; h < Math.min(n, from + BATCH); h++) {
          unlink.arg(keys.connection(h));
        }
        return redis.send(unlink).mapEmpty();
      });
    }
    return chain.compose(v -> redis.send(Request.cmd(Command.UNLINK).arg(keys.active())).mapEmpty());
  }

  /**
   * Starts a sidecar on an empty prefix and one on the populated prefix; returns the second's
   * load time, time to ready, and heap per connection over the first. Blocking (a CLI command).
   */
  static Result measure(Path jar, String redisUrl, String emptyPrefix, String populatedPrefix, int n,
                        List<String> jvmArgs, Path logDir) throws Exception {
    double emptyHeap;
    double emptyReadyMs;
    try (SidecarProcess empty = SidecarProcess.start(jar, redisUrl, emptyPrefix, "hash", jvmArgs,
        logDir.resolve("startup-empty.log")).awaitReady(120_000)) {
      emptyReadyMs = empty.readyMs();
      emptyHeap = empty.heapAfterGc();
    }
    try (SidecarProcess loaded = SidecarProcess.start(jar, redisUrl, populatedPrefix, "hash", jvmArgs,
        logDir.resolve("startup-loaded.log")).awaitReady(TimeUnit.MINUTES.toMillis(5))) {
      double loadMs = loaded.metric("connstate_startup_load_seconds", "") * 1000;
      double connections = loaded.metric("connstate_connections", "");
      if ((int) connections != n) {
        throw new IllegalStateException("the sidecar loaded " + (int) connections + " connections, not " + n);
      }
      return new Result(n, loadMs, loaded.readyMs(), emptyReadyMs, (loaded.heapAfterGc() - emptyHeap) / n);
    }
  }
}
