package dev.connstate.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A sidecar's TCP bridge as far as the client can tell: frames in, frames out, pings answered,
 * {@code connstate.auth} checked against one token. Every other request goes to
 * {@link #responder}, whose answer frame (or null: no answer) is sent back. Tests await the
 * frames it receives instead of sleeping.
 */
final class FakeBridge {
  private final Vertx vertx;
  private final NetServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
  volatile String token;
  volatile boolean answerPings = true;
  volatile Function<JsonObject, JsonObject> responder = FakeBridge::echo;

  /** A frame and the number of the connection it came on (0 for the first). */
  record Received(int connection, JsonObject frame) {
  }

  private record Waiter(Predicate<Received> match, Promise<Received> promise) {
  }

  private FakeBridge(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createNetServer().connectHandler(this::accept);
  }

  static Future<FakeBridge> start(Vertx vertx, int port) {
    return create(vertx).listen(port, 1);
  }

  /** A bridge not listening yet: set its token and responder first. */
  static FakeBridge create(Vertx vertx) {
    return new FakeBridge(vertx);
  }

  /**
   * Listens on {@code port}; a port found free a moment ago may be briefly taken (another
   * process's ephemeral port), so it tries {@code attempts} times, 20 ms apart.
   */
  Future<FakeBridge> listen(int port, int attempts) {
    return server.listen(port, "127.0.0.1").map(this).recover(e -> {
      if (attempts <= 1) {
        return Future.failedFuture(e);
      }
      Promise<FakeBridge> again = Promise.promise();
      vertx.setTimer(20, t -> listen(port, attempts - 1).onComplete(again));
      return again.future();
    });
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }

  /** A reply to a send frame: the body says which address it was sent to. */
  static JsonObject echo(JsonObject send) {
    return reply(send, new JsonObject().put("address", send.getString("address")).put("body", send.getValue("body")));
  }

  static JsonObject reply(JsonObject send, JsonObject body) {
    return new JsonObject().put("type", "message").put("address", send.getString("replyAddress")).put("headers",
        new JsonObject()).put("body", body).put("send", true);
  }

  static JsonObject err(JsonObject send, int code, String message) {
    return new JsonObject().put("type", "err").put("address", send.getString("replyAddress"))
        .put("sourceAddress", send.getString("address")).put("failureCode", code)
        .put("failureType", "RECIPIENT_FAILURE").put("message", message);
  }

  /** Sends a frame on the newest connection. */
  void push(JsonObject frame) {
    NetSocket socket = sockets.get(sockets.size() - 1);
    vertx.runOnContext(v -> write(socket, frame));
  }

  /** The first frame received, now or later, that matches. */
  synchronized Future<Received> await(Predicate<Received> match) {
    for (Received r : received) {
      if (match.test(r)) {
        return Future.succeededFuture(r);
      }
    }
    Promise<Received> promise = Promise.promise();
    waiters.add(new Waiter(match, promise));
    return promise.future();
  }

  static Predicate<Received> sendTo(String address) {
    return r -> "send".equals(r.frame().getString("type")) && address.equals(r.frame().getString("address"));
  }

  static Predicate<Received> on(int connection, Predicate<Received> match) {
    return r -> r.connection() == connection && match.test(r);
  }

  List<JsonObject> frames() {
    return received.stream().map(Received::frame).toList();
  }

  private void accept(NetSocket socket) {
    int number = sockets.size();
    sockets.add(socket);
    socket.handler(new FrameCodec(1 << 20, frame -> receive(socket, number, frame), why -> BridgeTransport.close(socket)));
  }

  private void receive(NetSocket socket, int connection, JsonObject frame) {
    record(new Received(connection, frame));
    String type = frame.getString("type");
    JsonObject answer = null;
    if ("ping".equals(type)) {
      answer = answerPings ? new JsonObject().put("type", "pong") : null;
    } else if ("send".equals(type) && "connstate.auth".equals(frame.getString("address"))) {
      String sent = frame.getJsonObject("body").getString("token");
      answer = sent.equals(token) ? reply(frame, new JsonObject().put("client", "test").put("role", "admin"))
          : err(frame, 401, "unauthenticated: the token is not valid");
    } else if ("send".equals(type)) {
      answer = responder.apply(frame);
    }
    if (answer != null) {
      write(socket, answer);
    }
  }

  private static void write(NetSocket socket, JsonObject frame) {
    // a test that closed the socket itself expects this; anything else shows in its assertions
    socket.write(FrameCodec.encode(frame)).onFailure(e -> System.err.println("fake bridge: cannot write " + frame
        + ": " + e));
  }

  private synchronized void record(Received r) {
    received.add(r);
    waiters.removeIf(w -> {
      if (w.match().test(r)) {
        w.promise().complete(r);
        return true;
      }
      return false;
    });
  }
}
