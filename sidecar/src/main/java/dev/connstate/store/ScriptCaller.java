package dev.connstate.store;

import dev.connstate.shard.Ticket;
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
 * once at start; if Redis answers NOSCRIPT (script cache flushed, failover to a replica, or a
 * Redis Cluster node that has not seen it yet), the caller holds the connection, waits until
 * every earlier request is answered, and resends the failed calls in their original order, as
 * {@code EVAL} with the script's text, before anything newer. EVAL goes to the same node as the
 * key and leaves the script in that node's cache, so per-handle order survives the reload and
 * later calls go back to EVALSHA.
 */
public final class ScriptCaller {
  private final ManagedConnection connection;
  private final String source;
  private final String sha;
  private final ArrayDeque<Retry> retries = new ArrayDeque<>();
  private boolean reloading;

  private record Retry(List<String> keys, List<String> args, Promise<Response> promise) {
  }

  public ScriptCaller(ManagedConnection connection, String source) {
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

  /** Calls the script with one key and the given arguments; {@code ticket} may be null. */
  public Future<Response> call(String key, List<String> args, Ticket ticket) {
    return call(List.of(key), args, ticket);
  }

  /** Calls the script with these keys and arguments; {@code ticket} may be null. */
  public Future<Response> call(List<String> keys, List<String> args, Ticket ticket) {
    Promise<Response> promise = Promise.promise();
    connection.send(request(Command.EVALSHA, sha, keys, args), ticket).onComplete(ar -> {
      if (ar.succeeded()) {
        promise.complete(ar.result());
      } else if (isNoScript(ar.cause())) {
        reload(new Retry(keys, args, promise));
      } else {
        promise.fail(ar.cause());
      }
    });
    return promise.future();
  }

  private static Request request(Command command, String script, List<String> keys, List<String> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    for (String arg : args) {
      request.arg(arg);
    }
    return request;
  }

  static boolean isNoScript(Throwable error) {
    String message = error.getMessage();
    return message != null && message.startsWith("NOSCRIPT");
  }

  private void reload(Retry retry) {
    retries.add(retry);
    if (reloading) {
      return;
    }
    reloading = true;
    connection.hold();
    connection.whenIdle(() -> {
      List<Retry> due = new ArrayList<>(retries);
      retries.clear();
      reloading = false;
      for (Retry r : due) {
        connection.sendNow(request(Command.EVAL, source, r.keys(), r.args())).onComplete(r.promise());
      }
      connection.release();
    });
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
