package dev.connstate.client;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The TCP bridge transport (docs/protocol.md): one socket at a time, requests pipelined and
 * matched to their answers by reply address ({@link RequestTable}), reconnected with backoff
 * until closed. After each connect it authenticates, announces its session and registers for
 * events before any queued request leaves, so a command never reaches the sidecar ahead of the
 * token.
 *
 * <p>Every field is touched on {@link #context} only: calls from other threads hop onto it.
 */
final class BridgeTransport implements Transport {
  private static final System.Logger LOG = System.getLogger(BridgeTransport.class.getName());
  /** Distinct unmatched error messages logged at WARN; further ones are counted only. */
  private static final int MAX_WARNED = 100;
  private final Vertx vertx;
  private final Context context;
  private final BridgeClientOptions options;
  private final NetClient netClient;
  private final RequestTable requests;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final List<Subscription> awaitingPong = new ArrayList<>();
  private final List<Handler<Void>> reconnectListeners = new ArrayList<>();
  private final Set<String> warned = new HashSet<>();
  private NetSocket socket;
  private KeepAlive keepAlive;
  /** Written on the client's context, read by {@link #connected} from any thread. */
  private volatile boolean ready;
  private boolean closed;
  private int failedAttempts;
  private long connects;
  private long reconnectTimer = -1;
  private long unmatchedErrors;

  private final class Subscription implements EventSubscription {
    final Handler<JsonObject> handler;
    final Runnable reconnected;
    final Promise<Void> registered = Promise.promise();
    boolean active = true;

    Subscription(Handler<JsonObject> handler, Runnable reconnected) {
      this.handler = handler;
      this.reconnected = reconnected;
    }

    @Override
    public Future<Void> ready() {
      return registered.future();
    }

    @Override
    public Future<Void> unregister() {
      Promise<Void> done = Promise.promise();
      onContext(() -> {
        active = false;
        subscriptions.remove(this);
        awaitingPong.remove(this);
        if (subscriptions.isEmpty() && ready) {
          write(socket, new JsonObject().put("type", "unregister").put("address", Addresses.EVENTS));
        }
        done.complete();
      });
      return done.future();
    }
  }

  /** Starts connecting at once; requests wait for the connection up to their timeout. */
  BridgeTransport(Vertx vertx, BridgeClientOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.netClient = vertx.createNetClient(options.toNetClientOptions());
    this.requests = new RequestTable(vertx, options.getRequestTimeoutMs(), where());
    onContext(this::connect);
  }

  @Override
  public Future<JsonObject> request(String address, JsonObject body) {
    Promise<JsonObject> promise = Promise.promise();
    onContext(() -> enqueue(address, body, promise));
    return promise.future();
  }

  @Override
  public EventSubscription subscribe(Handler<JsonObject> handler, Runnable reconnected) {
    Subscription subscription = new Subscription(handler, reconnected);
    onContext(() -> {
      if (closed) {
        subscription.registered.tryFail(new UnavailableException("the connstate client is closed"));
        return;
      }
      subscriptions.add(subscription);
      if (ready) {
        if (subscriptions.size() == 1) {
          write(socket, new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
        }
        awaitPong(subscription);
      }
    });
    return subscription;
  }

  @Override
  public void onReconnected(Handler<Void> listener) {
    onContext(() -> reconnectListeners.add(listener));
  }

  @Override
  public boolean connected() {
    return ready;
  }

  @Override
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      closed = true;
      if (reconnectTimer != -1) {
        vertx.cancelTimer(reconnectTimer);
      }
      NetSocket open = socket;
      lost("the connstate client was closed before the answer");
      requests.failWaiting(new UnavailableException("the connstate client was closed; the request was not sent"));
      subscriptions.forEach(s -> s.registered.tryFail(new UnavailableException("the connstate client was closed")));
      Future<Void> closing = open == null ? Future.succeededFuture() : open.close();
      closing.eventually(netClient::close).onComplete(done);
    });
    return done.future();
  }

  /** Frames of type err without an address this client received (refused or malformed frames it sent). */
  long unmatchedErrors() {
    return unmatchedErrors;
  }

  /**
   * The delay before reconnect attempt {@code attempt} (0 after a lost connection): initial × 2^n,
   * capped, varied by ± jitter; {@code random} is uniform in [0, 1).
   */
  static long backoff(int attempt, long initialMs, long maxMs, double jitter, double random) {
    long base = Math.min(maxMs, initialMs << Math.min(attempt, 30));
    long delay = Math.round(base * (1 + jitter * (2 * random - 1)));
    return Math.max(1, Math.min(delay, maxMs));
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private void enqueue(String address, JsonObject body, Promise<JsonObject> promise) {
    if (closed) {
      promise.fail(new UnavailableException("the connstate client is closed; the request was not sent"));
      return;
    }
    RequestTable.Request request = requests.start(address, body, promise);
    if (ready) {
      write(socket, requests.sendFrame(request));
    } else {
      requests.await(request);
    }
  }

  private void connect() {
    reconnectTimer = -1;
    if (closed) {
      return;
    }
    netClient.connect(options.getPort(), options.getHost()).onComplete(attempt -> {
      if (attempt.failed()) {
        connectFailed(attempt.cause());
      } else if (closed) {
        close(attempt.result());
      } else if (attempt.result().localAddress().equals(attempt.result().remoteAddress())) {
        // TCP self-connect: with nothing listening on a port of the ephemeral range, retries can
        // connect the client to itself, and would then hold the port its sidecar needs
        close(attempt.result());
        connectFailed(new IllegalStateException("connected to itself: nothing listens on " + where()));
      } else {
        opened(attempt.result());
      }
    });
  }

  private void opened(NetSocket opened) {
    socket = opened;
    opened.handler(new FrameCodec(options.getMaxFrameBytes(), frame -> frame(opened, frame),
        why -> broken(opened, why)));
    opened.closeHandler(v -> closedBySocket(opened));
    opened.exceptionHandler(e -> LOG.log(Level.DEBUG, "the connection to the sidecar at " + where() + " failed: " + e));
    keepAlive = new KeepAlive(vertx, opened, options.getPingIntervalMs(), options.getPongTimeoutMs(),
        frame -> write(opened, frame), where());
    handshake(opened).onComplete(done -> {
      if (done.succeeded()) {
        ready(opened);
      } else {
        handshakeFailed(opened, done.cause());
      }
    });
  }

  /** Authentication and session first: nothing else may reach the sidecar before the token. */
  private Future<Void> handshake(NetSocket on) {
    Future<JsonObject> steps = Future.succeededFuture();
    if (options.getToken() != null) {
      steps = steps.compose(x -> direct(on, Addresses.AUTH, new JsonObject().put("token", options.getToken())));
    }
    if (options.getSession() != null) {
      steps = steps.compose(x -> direct(on, Addresses.SESSION, new JsonObject().put("session", options.getSession())));
    }
    return steps.mapEmpty();
  }

  private Future<JsonObject> direct(NetSocket on, String address, JsonObject body) {
    RequestTable.Request request = requests.start(address, body, Promise.promise());
    write(on, requests.sendFrame(request));
    return request.future();
  }

  private void ready(NetSocket on) {
    if (on != socket) {
      return;
    }
    ready = true;
    failedAttempts = 0;
    boolean again = connects++ > 0;
    LOG.log(again ? Level.INFO : Level.DEBUG, (again ? "reconnected" : "connected") + " to the sidecar at " + where());
    if (!subscriptions.isEmpty()) {
      // subscriptions do not survive a connection (docs/protocol.md §9 point 8)
      write(on, new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      subscriptions.forEach(this::awaitPong);
    }
    if (again) {
      // before any frame of the new connection is read: the trackers forget, then the application resyncs
      List.copyOf(subscriptions).forEach(s -> s.reconnected.run());
      List.copyOf(reconnectListeners).forEach(this::notifyReconnected);
    }
    requests.drainWaiting().forEach(r -> write(on, requests.sendFrame(r)));
  }

  private void notifyReconnected(Handler<Void> listener) {
    try {
      listener.handle(null);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a connstate reconnect listener failed", e);
    }
  }

  private void awaitPong(Subscription subscription) {
    if (subscription.registered.future().isComplete()) {
      return;
    }
    // the sidecar reads a socket's frames in order, so the pong proves the register was processed
    awaitingPong.add(subscription);
    write(socket, new JsonObject().put("type", "ping"));
  }

  private void handshakeFailed(NetSocket on, Throwable cause) {
    if (on != socket) {
      return; // the connection closed during the handshake; its close handler reconnects
    }
    LOG.log(Level.WARNING, "the sidecar at " + where() + " refused this client's "
        + (options.getToken() != null ? "token or session" : "session") + ": " + cause.getMessage()
        + "; reconnecting with backoff");
    if (cause instanceof UnauthenticatedException || cause instanceof ForbiddenException) {
      // waiting would only end in a timeout: say why now
      requests.failWaiting((ConnStateException) cause);
    }
    failedAttempts++;
    close(on);
  }

  private void connectFailed(Throwable cause) {
    failedAttempts++;
    Level level = failedAttempts == 1 || failedAttempts % 50 == 0 ? Level.WARNING : Level.DEBUG;
    LOG.log(level, "cannot connect to the sidecar at " + where() + " (attempt " + failedAttempts + "): " + cause
        + "; retrying with backoff");
    scheduleReconnect();
  }

  private void closedBySocket(NetSocket closedSocket) {
    if (closedSocket != socket) {
      return;
    }
    boolean wasReady = ready;
    lost("the connection to the sidecar at " + where() + " closed before the answer; the request may or may not "
        + "have run");
    if (!closed) {
      if (wasReady) {
        LOG.log(Level.WARNING, "lost the connection to the sidecar at " + where() + "; reconnecting");
      }
      scheduleReconnect();
    }
  }

  /** The socket is gone: every request sent on it has an unknown outcome. */
  private void lost(String why) {
    socket = null;
    ready = false;
    if (keepAlive != null) {
      keepAlive.stop();
      keepAlive = null;
    }
    awaitingPong.clear();
    requests.failSent(why);
  }

  private void scheduleReconnect() {
    if (closed || reconnectTimer != -1) {
      return;
    }
    long delay = backoff(failedAttempts, options.getReconnectInitialMs(), options.getReconnectMaxMs(),
        options.getReconnectJitter(), ThreadLocalRandom.current().nextDouble());
    reconnectTimer = vertx.setTimer(delay, t -> connect());
  }

  private void frame(NetSocket from, JsonObject frame) {
    if (from != socket) {
      return;
    }
    keepAlive.received();
    String type = String.valueOf(frame.getValue("type"));
    String address = frame.getValue("address") instanceof String a ? a : null;
    switch (type) {
      case "pong" -> pong();
      case "message" -> {
        if (Addresses.EVENTS.equals(address)) {
          event(frame.getJsonObject("body", new JsonObject()));
        } else if (address != null) {
          requests.answer(address, frame);
        }
      }
      case "err" -> {
        if (address != null) {
          requests.answer(address, frame);
        } else {
          unmatched(frame);
        }
      }
      default -> LOG.log(Level.DEBUG, "ignoring a bridge frame of type " + type);
    }
  }

  private void pong() {
    List<Subscription> proven = new ArrayList<>(awaitingPong);
    awaitingPong.clear();
    proven.forEach(s -> s.registered.tryComplete());
  }

  private void event(JsonObject body) {
    for (Subscription subscription : List.copyOf(subscriptions)) {
      if (subscription.active) {
        try {
          subscription.handler.handle(body);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "a connstate event handler failed", e);
        }
      }
    }
  }

  private void unmatched(JsonObject frame) {
    unmatchedErrors++;
    String message = String.valueOf(frame.getValue("message"));
    if (warned.size() < MAX_WARNED && warned.add(message)) {
      LOG.log(Level.WARNING, "the sidecar at " + where() + " refused a frame this client sent: " + message
          + (frame.containsKey("detail") ? " (" + frame.getValue("detail") + ")" : "")
          + "; later errors with this message are counted, not logged");
    }
  }

  private void broken(NetSocket from, String why) {
    LOG.log(Level.WARNING, "closing the connection to the sidecar at " + where() + ": it sent " + why);
    close(from);
  }

  private void write(NetSocket on, JsonObject frame) {
    on.write(FrameCodec.encode(frame)).onFailure(e -> {
      // a write fails only on a closing socket; its close handler fails what was sent
      LOG.log(Level.DEBUG, "cannot write to the sidecar at " + where() + ": " + e);
      close(on);
    });
  }

  /** Closes a socket; its close handler does the rest, so a failure to close is only worth a debug line. */
  static void close(NetSocket socket) {
    socket.close().onFailure(e -> LOG.log(Level.DEBUG, "closing a connection to the sidecar failed: " + e));
  }

  private String where() {
    return options.getHost() + ":" + options.getPort();
  }
}
