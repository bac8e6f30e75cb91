package dev.connstate.shard;

import dev.connstate.model.MalformedRecordException;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one timeout guard of a shard: a store call a client waits for (a critical change, or the
 * read a command needs first) is answered within {@code criticalTimeoutMs}, or fails with 503.
 * At the deadline the call's {@link Ticket} is abandoned, so a request that never left is
 * never sent and the 503 can say for certain that nothing was stored; a late answer changes
 * nothing here (its event will). Every failure becomes a {@link CommandFailure} with a message
 * a person can act on, and is counted and logged (rate-limited).
 */
final class StoreDeadline {
  private static final Logger LOG = LoggerFactory.getLogger(StoreDeadline.class);

  /** What kind of call is guarded: it decides the messages and the metrics. */
  enum Kind {
    /** A critical change: counted under path {@code critical}. */
    CHANGE,
    /** A read a command needs before it can run (read-through, v1 conversion): path {@code reread}. */
    READ
  }

  private final Vertx vertx;
  private final ConnectionStore store;
  private final ShardEnvironment env;

  StoreDeadline(Vertx vertx, ConnectionStore store, ShardEnvironment env) {
    this.vertx = vertx;
    this.store = store;
    this.env = env;
  }

  /**
   * Makes {@code call} with a fresh ticket; its result if the store answers in time, else 503.
   *
   * @param what the operation, as the messages name it ("bind", "look up" …)
   */
  <T> Future<T> call(Kind kind, String what, long handle, Function<Ticket, Future<T>> call) {
    long timeoutMs = env.config().criticalTimeoutMs();
    Ticket ticket = new Ticket();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> {
      store.abandon(ticket);
      if (promise.future().isComplete()) {
        return;
      }
      // counted and logged before the reply, so whoever hears the 503 finds it counted
      boolean sent = ticket.sent();
      env.metrics().redisWriteFailure(path(kind), sent ? MetricNames.REASON_TIMEOUT : MetricNames.REASON_UNAVAILABLE);
      env.problems().warn(kind == Kind.CHANGE ? "critical change not confirmed in time, answered 503"
          : "read for a command not answered in time, answered 503", what + " of handle " + handle
          + (sent ? " (sent, no answer)" : " (not sent: Redis unreachable)"), null);
      promise.fail(CommandFailure.unavailable(timeoutMessage(kind, what, handle, sent, timeoutMs)));
    });
    call.apply(ticket).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (promise.future().isComplete()) {
        if (ar.succeeded()) {
          LOG.info("Redis answered the {} of handle {} after its 503; its event will update this sidecar", what,
              handle);
        }
        return;
      }
      if (ar.succeeded()) {
        if (kind == Kind.CHANGE) {
          env.metrics().redisWrite(MetricNames.PATH_CRITICAL);
        }
        promise.complete(ar.result());
      } else {
        report(kind, ar.cause(), handle, what);
        promise.fail(ar.cause() instanceof OwnerNotLeasedException unleased ? CommandFailure.badRequest("owner",
            unleased.getMessage() + ": omit owner to make this sidecar (" + env.config().instanceId()
                + ") the owner, or name the instanceId of a running sidecar")
            : failure(kind, ar.cause(), handle, what, ticket));
      }
    });
    return promise.future();
  }

  private static String path(Kind kind) {
    return kind == Kind.CHANGE ? MetricNames.PATH_CRITICAL : MetricNames.PATH_REREAD;
  }

  private static String timeoutMessage(Kind kind, String what, long handle, boolean sent, long timeoutMs) {
    if (kind == Kind.READ) {
      return "Redis is unavailable: could not " + what + " connection " + handle + " within " + timeoutMs
          + " ms; retry later";
    }
    return sent
        ? "Redis did not confirm the " + what + " of handle " + handle + " within " + timeoutMs
            + " ms; it is not acknowledged but may still be stored (retrying is safe)"
        : "Redis is unavailable: the " + what + " of handle " + handle + " was not stored (no connection within "
            + timeoutMs + " ms); retry later";
  }

  private void report(Kind kind, Throwable cause, long handle, String what) {
    if (cause instanceof CommandFailure || cause instanceof OwnerNotLeasedException) {
      return;
    }
    if (cause instanceof MalformedRecordException) {
      env.metrics().malformed(MetricNames.MALFORMED_STORED);
      LOG.error("the stored connection {} is malformed, answered 500 to a {}: {}", handle, what, cause.getMessage());
      return;
    }
    env.metrics().redisWriteFailure(path(kind), FailureReasons.of(cause));
    env.problems().warn(kind == Kind.CHANGE ? "critical change failed, answered 503"
        : "read for a command failed, answered 503", what + " of handle " + handle, cause);
  }

  /** The reply for a call that failed. */
  private static CommandFailure failure(Kind kind, Throwable cause, long handle, String what, Ticket ticket) {
    if (cause instanceof CommandFailure f) {
      return f;
    }
    if (cause instanceof MalformedRecordException) {
      return new CommandFailure(FailureCode.INTERNAL, "the stored connection " + handle + " cannot be read: "
          + cause.getMessage());
    }
    if (kind == Kind.READ) {
      return CommandFailure.unavailable("Redis could not be read: could not " + what + " connection " + handle
          + "; retry later");
    }
    if (cause instanceof FencedException) {
      return CommandFailure.unavailable("this sidecar lost its owner lease (DESIGN §7): the " + what + " of handle "
          + handle + " was not stored; it takes a new lease and reloads by itself, retry in a moment");
    }
    if (cause instanceof ReplicasNotConfirmed replicas) {
      return CommandFailure.unavailable("Redis stored the " + what + " of handle " + handle + ", but only "
          + replicas.getMessage() + ": it is not acknowledged, since a failover could lose it (retrying is safe)");
    }
    if (cause instanceof NotSentException || !ticket.sent()) {
      return CommandFailure.unavailable("Redis is unavailable: the " + what + " of handle " + handle
          + " was not stored; retry later");
    }
    if (MetricNames.REASON_CONNECTION.equals(FailureReasons.of(cause))) {
      return CommandFailure.unavailable("the Redis connection failed during the " + what + " of handle " + handle
          + ": it may or may not be stored (retrying is safe)");
    }
    return CommandFailure.unavailable("Redis refused the " + what + " of handle " + handle + ", it was not stored: "
        + cause.getMessage());
  }
}
