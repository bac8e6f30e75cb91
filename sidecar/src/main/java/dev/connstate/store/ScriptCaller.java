package dev.connstate.store;

import dev.connstate.shard.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one Lua script on a shard's connection: by SHA ({@code EVALSHA}), or, for a caller made
 * with {@link #preferringFunction} on a Redis that has functions (7 and later), as a Redis Function
 * ({@code FCALL} with an 8-character name instead of the 40-character SHA: 34 bytes less per call
 * on the hot path, DESIGN §4). Which of the two is decided at each (re)connection's load: a
 * server that refuses {@code FUNCTION LOAD} (older than 7, or an ACL without it) gets EVALSHA.
 *
 * <p>If Redis answers NOSCRIPT (script cache flushed, failover to a replica, or a Redis Cluster
 * node that has not seen it yet) or, for a function, that it has no such function (a restart
 * without persistence), the caller holds the connection, waits until every earlier request is
 * answered, and resends the failed calls in their original order before anything newer: as
 * {@code EVAL} with the script's text, or behind a new {@code FUNCTION LOAD}. Either goes to the
 * same node as the key and leaves the script loaded there, so per-handle order survives the
 * reload and later calls go back to the short form.
 */
public final class ScriptCaller {
  private static final Logger LOG = LoggerFactory.getLogger(ScriptCaller.class);
  /** Redis's answer to an FCALL of a function it does not have. */
  private static final String NO_FUNCTION = "ERR Function not found";

  private final ManagedConnection connection;
  private final String source;
  private final String sha;
  /** The library that holds the script as a function, or null: EVALSHA only. */
  private final String library;
  private final String function;
  private final ArrayDeque<Retry> retries = new ArrayDeque<>();
  private boolean reloading;
  /** Whether the server of the current connection took the function at load. */
  private boolean functions;

  private record Retry(List<String> keys, List<String> args, Promise<Response> promise) {
  }

  public ScriptCaller(ManagedConnection connection, String source) {
    this(connection, source, null);
  }

  private ScriptCaller(ManagedConnection connection, String source, String library) {
    this.connection = connection;
    this.source = source;
    this.sha = Scripts.sha1(source);
    this.library = library;
    this.function = "c" + sha.substring(0, 7);
  }

  /**
   * A caller that loads the script as the one function of {@code library} (letters, digits and
   * underscores; replaced at each load, so one library per name ever exists in Redis) where the
   * server has functions, and calls it with FCALL; else by SHA.
   */
  public static ScriptCaller preferringFunction(ManagedConnection connection, String source, String library) {
    if (!library.matches("[A-Za-z0-9_]+")) {
      throw new IllegalArgumentException("a Redis function library name is letters, digits and _: " + library);
    }
    return new ScriptCaller(connection, source, library);
  }

  /** The script's SHA-1, as Redis computes it. */
  public String sha() {
    return sha;
  }

  /** Whether calls go out as FCALL (decided by the last {@link #load}). */
  public boolean callsFunction() {
    return functions;
  }

  /**
   * Loads the script: as a function where preferred and the server takes it, else into Redis's
   * script cache.
   */
  public Future<Void> load() {
    if (library == null) {
      return loadScript();
    }
    return connection.sendNow(loadFunction()).transform(ar -> {
      if (ar.succeeded()) {
        functions = true;
        return Future.succeededFuture();
      }
      if (!(ar.cause() instanceof Response)) {
        return Future.failedFuture(ar.cause()); // not Redis's answer (the connection failed): the next connect loads again
      }
      if (functions) {
        LOG.info("Redis refused FUNCTION LOAD ({}): the change script is called with EVALSHA", ar.cause().getMessage());
      }
      functions = false;
      return loadScript();
    });
  }

  private Future<Void> loadScript() {
    return connection.sendNow(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).compose(r ->
        sha.equals(r.toString()) ? Future.succeededFuture()
            : Future.failedFuture("Redis computed SHA " + r + " for a script whose SHA is " + sha));
  }

  private Request loadFunction() {
    return Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg("#!lua name=" + library + "\n"
        + "redis.register_function('" + function + "', function(KEYS, ARGV)\n" + source + "\nend)\n");
  }

  /** Calls the script with one key and the given arguments; {@code ticket} may be null. */
  public Future<Response> call(String key, List<String> args, Ticket ticket) {
    return call(List.of(key), args, ticket);
  }

  /** Calls the script with these keys and arguments; {@code ticket} may be null. */
  public Future<Response> call(List<String> keys, List<String> args, Ticket ticket) {
    Promise<Response> promise = Promise.promise();
    Request request = functions ? request(Command.FCALL, function, keys, args)
        : request(Command.EVALSHA, sha, keys, args);
    connection.send(request, ticket).onComplete(ar -> {
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
    return message != null && (message.startsWith("NOSCRIPT") || message.startsWith(NO_FUNCTION));
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
      if (functions) {
        // pipelined ahead of the calls on the same connection: they run after it, in order
        connection.sendNow(loadFunction()).onFailure(e -> LOG.warn("reloading the function {} failed; the calls "
            + "waiting for it fail and are answered as not stored: {}", function, e.getMessage()));
      }
      for (Retry r : due) {
        Request request = functions ? request(Command.FCALL, function, r.keys(), r.args())
            : request(Command.EVAL, source, r.keys(), r.args());
        connection.sendNow(request).onComplete(r.promise());
      }
      connection.release();
    });
  }
}
