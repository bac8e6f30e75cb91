package dev.connstate.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Calls one Lua script by SHA ({@code EVALSHA}) on a shard's connection. The script is loaded
 * once; if Redis answers NOSCRIPT (script cache flushed, failover to a replica), the caller
 * holds the connection, waits until every earlier request is answered, loads the script, and
 * resends the failed calls in their original order before anything newer, so per-handle order
 * survives the reload.
 */
public final class ScriptCaller {
  private final ShardConnection connection;
  private final String source;
  private final String sha;
  private final ArrayDeque<Retry> retries = new ArrayDeque<>();
  private boolean reloading;

  private record Retry(Request request, Promise<Response> promise) {
  }

  public ScriptCaller(ShardConnection connection, String source) {
    this.connection = connection;
    this.source = source;
    this.sha = sha1(source);
  }

  /** The script's SHA-1, as Redis computes it. */
  public String sha() {
    return sha;
  }

  /** Loads the script into Redis's cache. */
  public Future<Void> load() {
    return connection.sendNow(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).compose(r ->
        sha.equals(r.toString()) ? Future.succeededFuture()
            : Future.failedFuture("Redis computed SHA " + r + " for a script whose SHA is " + sha));
  }

  /** Calls the script with one key and the given arguments. */
  public Future<Response> call(String key, List<String> args) {
    Request request = Request.cmd(Command.EVALSHA).arg(sha).arg(1).arg(key);
    for (String arg : args) {
      request.arg(arg);
    }
    Promise<Response> promise = Promise.promise();
    connection.send(request).onComplete(ar -> {
      if (ar.succeeded()) {
        promise.complete(ar.result());
      } else if (isNoScript(ar.cause())) {
        reload(request, promise);
      } else {
        promise.fail(ar.cause());
      }
    });
    return promise.future();
  }

  static boolean isNoScript(Throwable error) {
    String message = error.getMessage();
    return message != null && message.startsWith("NOSCRIPT");
  }

  private void reload(Request request, Promise<Response> promise) {
    retries.add(new Retry(request, promise));
    if (reloading) {
      return;
    }
    reloading = true;
    connection.hold();
    connection.whenIdle(() -> load().onComplete(loaded -> {
      List<Retry> due = new ArrayList<>(retries);
      retries.clear();
      reloading = false;
      for (Retry retry : due) {
        if (loaded.succeeded()) {
          connection.sendNow(retry.request()).onComplete(retry.promise());
        } else {
          retry.promise().fail(loaded.cause());
        }
      }
      connection.release();
    }));
  }

  private static String sha1(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-1", e);
    }
  }
}
