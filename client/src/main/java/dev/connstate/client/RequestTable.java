package dev.connstate.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bridge client's requests: those waiting for a connection, and those sent and waiting for
 * their answer, keyed by a reply address unique to this client (docs/protocol.md §9 point 2).
 * Each has one timer, from the moment it is made: a request never sent fails as
 * {@link UnavailableException} (nothing left this process), one sent as
 * {@link OutcomeUnknownException}.
 *
 * <p>Not thread-safe: used on the transport's context only.
 */
final class RequestTable {
  private static final System.Logger LOG = System.getLogger(RequestTable.class.getName());
  private final Vertx vertx;
  private final long timeoutMs;
  private final String where;
  private final String replyPrefix = "connstate-client." + UUID.randomUUID() + ".";
  private final Map<String, Request> sent = new HashMap<>();
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private long nextId;

  /** One command and the promise of its answer. */
  static final class Request {
    final String address;
    final JsonObject body;
    final Promise<JsonObject> promise;
    long timer = -1;
    String replyAddress;

    Request(String address, JsonObject body, Promise<JsonObject> promise) {
      this.address = address;
      this.body = body;
      this.promise = promise;
    }

    Future<JsonObject> future() {
      return promise.future();
    }
  }

  /** @param where the sidecar's address, for messages */
  RequestTable(Vertx vertx, long timeoutMs, String where) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.where = where;
  }

  /** A new request with its timer running. */
  Request start(String address, JsonObject body, Promise<JsonObject> promise) {
    Request request = new Request(address, body, promise);
    request.timer = vertx.setTimer(timeoutMs, t -> timedOut(request));
    return request;
  }

  /** Keeps a request until there is a connection. */
  void await(Request request) {
    waiting.add(request);
  }

  /** The requests waiting for a connection, oldest first; they are no longer waiting. */
  List<Request> drainWaiting() {
    List<Request> out = new ArrayList<>(waiting);
    waiting.clear();
    return out;
  }

  /** Marks the request sent and returns its {@code send} frame. */
  JsonObject sendFrame(Request request) {
    request.replyAddress = replyPrefix + nextId++;
    sent.put(request.replyAddress, request);
    return new JsonObject().put("type", "send").put("address", request.address)
        .put("replyAddress", request.replyAddress).put("body", request.body);
  }

  /** A {@code message} or {@code err} frame addressed to {@code replyAddress}. */
  void answer(String replyAddress, JsonObject frame) {
    Request request = sent.remove(replyAddress);
    if (request == null) {
      // the answer to a request that timed out here first
      LOG.log(Level.DEBUG, "an answer for no pending request: " + replyAddress);
      return;
    }
    cancel(request);
    if ("err".equals(frame.getString("type"))) {
      request.promise.tryFail(Failures.of(Failures.failureType(frame.getString("failureType")),
          frame.getInteger("failureCode", -1), frame.getString("message")));
    } else {
      request.promise.tryComplete(frame.getJsonObject("body", new JsonObject()));
    }
  }

  /** The connection is gone: every request sent on it has an unknown outcome. */
  void failSent(String why) {
    List<Request> lost = new ArrayList<>(sent.values());
    sent.clear();
    lost.forEach(r -> {
      cancel(r);
      r.promise.tryFail(new OutcomeUnknownException(why));
    });
  }

  /** Fails every request still waiting for a connection. */
  void failWaiting(ConnStateException cause) {
    drainWaiting().forEach(r -> {
      cancel(r);
      r.promise.tryFail(cause);
    });
  }

  private void timedOut(Request request) {
    if (request.replyAddress == null) {
      waiting.remove(request);
      request.promise.tryFail(new UnavailableException("no connection to the sidecar at " + where + " within "
          + timeoutMs + " ms; the request was not sent"));
    } else if (sent.remove(request.replyAddress) != null) {
      request.promise.tryFail(new OutcomeUnknownException("no answer from the sidecar at " + where + " within "
          + timeoutMs + " ms to " + request.address + "; it may or may not have run"));
    }
  }

  private void cancel(Request request) {
    if (request.timer != -1) {
      vertx.cancelTimer(request.timer);
    }
  }
}
