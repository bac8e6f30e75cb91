package dev.connstate.ingress.bridge;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ingress.CommandParser;
import dev.connstate.ops.FatalErrors;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.FailureCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge client's socket (DESIGN §8). Frames come in through a {@link FrameReader} (size,
 * time and memory limits); a socket speaks for no one until it authenticates (a {@code token}
 * header, {@code connstate.auth}, or a TLS client certificate), unless the bridge has no
 * clients configured; then each request goes to a command address its role allows, and the
 * reply comes back. Bad frames are answered with {@code err} frames whose {@code message} is
 * the stock bridge's reason word.
 *
 * <p>Memory it can hold is bounded: the socket is no longer read while
 * {@code maxInflightPerClient} requests are unanswered or {@code maxWriteQueueBytes} of
 * replies wait; past {@code maxQueuedBytesPerClient} of queued replies it is closed, and when
 * all sockets together pass {@code maxQueuedBytes} the server closes the one holding the most.
 * Everything is counted; every log line goes through the rate limiter. Confined to the
 * bridge's event loop.
 */
final class BridgeSession implements FrameReader.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeSession.class);
  /**
   * {@code list} requests one socket may have in flight: each builds a page of up to
   * {@code limits.maxReplyBytes}, so one client's burst of them must not crowd out everyone
   * else's small requests. Later ones wait (the socket is not read meanwhile).
   */
  static final int MAX_LISTS_INFLIGHT = 2;
  /** After an err frame, how long a socket that does not read it may stay open. */
  private static final long CLOSE_GRACE_MS = 1_000;

  private final NetSocket socket;
  private final Vertx vertx;
  private final BridgeContext bridge;
  private final SidecarConfig.BridgeSettings settings;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
  private final FrameReader reader;
  private final String remote;
  private Principal principal;
  /** Authenticated by a TLS client certificate: the identity is the certificate's, for good. */
  private final boolean certified;
  private long authTimer = -1;
  private boolean closed;
  private boolean paused;
  private int inflight;
  private long queuedBytes;
  /** The socket was forced shut: what it had queued was given back to the budget at once. */
  private boolean released;
  private int listsInflight;
  private final ArrayDeque<JsonObject> heldLists = new ArrayDeque<>(MAX_LISTS_INFLIGHT);

  BridgeSession(NetSocket socket, Vertx vertx, BridgeContext bridge, Principal certified) {
    this.socket = socket;
    this.vertx = vertx;
    this.bridge = bridge;
    this.settings = bridge.settings();
    this.metrics = bridge.metrics();
    this.problems = bridge.problems();
    this.remote = String.valueOf(socket.remoteAddress());
    this.reader = new FrameReader(vertx, this::maxFrameBytes, FrameReader.SMALL_FRAME_BYTES, settings.frameTimeoutMs(),
        bridge.pendingFrames(), this);
    this.principal = bridge.clients().open() ? Principal.UNAUTHENTICATED : certified;
    this.certified = certified != null;
  }

  void start() {
    socket.setWriteQueueMaxSize(settings.maxWriteQueueBytes());
    socket.handler(reader);
    socket.drainHandler(v -> resumeIfPossible());
    socket.closeHandler(v -> closed());
    socket.exceptionHandler(e -> {
      FatalErrors.exitIfOutOfMemory(e);
      LOG.debug("bridge client {}: {}", remote, e.getMessage());
    });
    if (principal == null) {
      authTimer = vertx.setTimer(settings.authTimeoutMs(), id -> {
        authTimer = -1;
        if (principal == null) {
          closeFor(MetricNames.CLOSED_AUTH_TIMEOUT, "not authenticated within " + settings.authTimeoutMs() + " ms",
              true);
        }
      });
    }
  }

  /** Before authentication only small frames are read: enough to authenticate, not enough to hold memory. */
  private int maxFrameBytes() {
    return principal == null ? Math.min(FrameReader.SMALL_FRAME_BYTES, settings.maxFrameBytes())
        : settings.maxFrameBytes();
  }

  /** Reply bytes queued for this socket and not yet written to it. */
  long queuedBytes() {
    return queuedBytes;
  }

  @Override
  public void frame(Buffer payload) {
    if (closed) {
      return;
    }
    JsonObject frame;
    try {
      Object decoded = Json.decodeValue(payload);
      if (!(decoded instanceof JsonObject object)) {
        reject(MetricNames.FRAME_INVALID, "expected a JSON object");
        return;
      }
      frame = object;
    } catch (DecodeException e) {
      reject(MetricNames.FRAME_INVALID_JSON, firstLine(e.getMessage()));
      return;
    }
    dispatch(frame);
  }

  @Override
  public void empty() {
    reject(MetricNames.FRAME_INVALID_JSON, "empty frame");
  }

  @Override
  public void fatal(String reason, String detail) {
    closeFor(reason, detail, true);
  }

  private void dispatch(JsonObject frame) {
    Object type = frame.getValue(Frames.TYPE);
    if (Frames.PING.equals(type)) {
      write(new JsonObject().put(Frames.TYPE, Frames.PONG));
      return;
    }
    if (!(type instanceof String kind) || !Frames.ADDRESSED_TYPES.contains(kind)) {
      reject(MetricNames.FRAME_UNKNOWN_TYPE, (type == null ? "no type" : Json.encode(type))
          + " (expected send, publish, register, unregister or ping)");
      return;
    }
    Object address = frame.getValue("address");
    if (!(address instanceof String target) || target.isEmpty()) {
      reject(MetricNames.FRAME_MISSING_ADDRESS, "a " + kind + " frame needs an address");
      return;
    }
    boolean request = Frames.SEND.equals(kind) || Frames.PUBLISH.equals(kind);
    if (principal == null && !authenticatedBy(frame) && !(request && Addresses.AUTH.equals(target))) {
      refuse(frame, target, FailureCode.UNAUTHENTICATED, MetricNames.FRAME_UNAUTHENTICATED,
          "unauthenticated: send connstate.auth {\"token\": …} or a \"token\" header first");
      return;
    }
    if (request && Addresses.AUTH.equals(target)) {
      authenticate(frame);
    } else if (request) {
      send(frame, target);
    } else if (Frames.REGISTER.equals(kind)) {
      register(target);
    } else {
      unregister(target);
    }
  }

  /** A {@code token} header authenticates the socket; it is taken out of the frame either way. */
  private boolean authenticatedBy(JsonObject frame) {
    if (!(frame.getValue("headers") instanceof JsonObject headers) || !(headers.remove("token") instanceof String token)) {
      return false;
    }
    return accept(token);
  }

  private boolean accept(String token) {
    Principal client = bridge.clients().byToken(token).orElse(null);
    if (client == null) {
      metrics.bridgeAuthentication(MetricNames.AUTH_REFUSED);
      problems.warn("bridge authentication refused: the token is not valid", remote, null);
      return false;
    }
    metrics.bridgeAuthentication(MetricNames.AUTH_OK);
    if (principal == null || !principal.equals(client)) {
      LOG.info("bridge client {} authenticated as {} ({})", remote, client.name(), client.role().wire());
    }
    principal = client;
    if (authTimer >= 0) {
      vertx.cancelTimer(authTimer);
      authTimer = -1;
    }
    return true;
  }

  /**
   * {@code connstate.auth {"token": …}}, answered by the bridge itself: {@code {"client", "role"}}.
   * A socket its certificate authenticated answers who the certificate names, token or not: a
   * token cannot change it.
   */
  private void authenticate(JsonObject frame) {
    String replyAddress = replyAddress(frame);
    if (certified) {
      answerIdentity(replyAddress);
      return;
    }
    Object token = frame.getValue("body") instanceof JsonObject body ? body.getValue("token") : null;
    if (!(token instanceof String text) || text.isEmpty()) {
      refuse(frame, Addresses.AUTH, FailureCode.BAD_REQUEST, MetricNames.FRAME_INVALID,
          "token: required, a non-empty string");
      return;
    }
    if (!bridge.clients().open() && !accept(text)) {
      refuse(frame, Addresses.AUTH, FailureCode.UNAUTHENTICATED, MetricNames.FRAME_UNAUTHENTICATED,
          "unauthenticated: the token is not valid");
      return;
    }
    answerIdentity(replyAddress);
  }

  private void answerIdentity(String replyAddress) {
    if (replyAddress != null) {
      write(Frames.encodeMessage(replyAddress, new JsonObject().put("client", principal.name())
          .put("role", principal.role().wire()), true));
    }
  }

  private static String firstLine(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  /** The reply address; an empty one is an address too (the stock bridge answers it). */
  private static String replyAddress(JsonObject frame) {
    return frame.getValue("replyAddress") instanceof String s ? s : null;
  }

  /**
   * A send (or a publish: a command address has exactly one consumer, so it is a send) is
   * forwarded as a request. Without a replyAddress the reply is not sent back, but the request
   * still counts against maxInflightPerClient, so fire-and-forget traffic gets back-pressure too.
   */
  private void send(JsonObject frame, String address) {
    String replyAddress = replyAddress(frame);
    if (!Addresses.COMMANDS.contains(address)) {
      denied(replyAddress, address);
      return;
    }
    if (!principal.role().allows(address)) {
      refuse(frame, address, FailureCode.FORBIDDEN, MetricNames.FRAME_FORBIDDEN, "forbidden: client "
          + principal.name() + " has the role " + principal.role().wire() + ", which may not send " + address);
      return;
    }
    boolean list = Addresses.LIST.equals(address);
    if (list && listsInflight >= MAX_LISTS_INFLIGHT) {
      heldLists.add(frame);
      pauseIfNeeded();
      return;
    }
    if (list) {
      listsInflight++;
    }
    inflight++;
    pauseIfNeeded();
    Object body = frame.getValue("body");
    run(address, body).onComplete(ar -> {
      inflight--;
      if (list) {
        listsInflight--;
        JsonObject next = heldLists.poll();
        if (next != null && !closed) {
          send(next, Addresses.LIST);
        }
      }
      if (closed) {
        return;
      }
      tieSession(body, ar.succeeded() || failureOf(ar.cause()).failureCode() != FailureCode.BAD_REQUEST);
      if (replyAddress == null) {
        if (ar.failed()) {
          LOG.debug("bridge client {}: a {} sent without replyAddress failed: {}", remote, address,
              ar.cause().getMessage());
        }
      } else if (ar.succeeded()) {
        write(Frames.encodeMessage(replyAddress, ar.result(), true));
      } else {
        write(Frames.failure(replyAddress, address, failureOf(ar.cause())));
      }
      resumeIfPossible();
    });
  }

  /**
   * Runs the command directly through the ingress (no event-bus request per command), answers
   * on this socket's event loop, and fails with TIMEOUT when no answer came within
   * {@code bridge.requestTimeoutMs}, as the event bus did (protocol §7.7).
   */
  private Future<Object> run(String address, Object body) {
    Context here = vertx.getOrCreateContext();
    Promise<Object> answer = Promise.promise();
    long timeoutMs = settings.requestTimeoutMs();
    long timer = vertx.setTimer(timeoutMs, id -> answer.tryFail(new ReplyException(ReplyFailure.TIMEOUT, -1,
        "Timed out after waiting " + timeoutMs + "(ms) for a reply. address: " + address)));
    bridge.commands().run(address, body).onComplete(ar -> here.runOnContext(v -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        answer.tryFail(ar.cause());
      }
    }));
    return answer.future();
  }

  private static ReplyException failureOf(Throwable cause) {
    return cause instanceof ReplyException e ? e
        : new ReplyException(ReplyFailure.RECIPIENT_FAILURE, FailureCode.INTERNAL, cause.getMessage());
  }

  /**
   * A command that carries a {@code session} (DESIGN §7) ties this socket to it, once the sidecar
   * took the command: a 400 (a malformed body) ties nothing.
   */
  private void tieSession(Object body, boolean taken) {
    String session = taken ? CommandParser.sessionOf(body) : null;
    if (session != null) {
      bridge.sessionTies().tie(this, session);
    }
  }

  private void register(String address) {
    if (!Addresses.EVENTS.equals(address)) {
      denied(null, address);
      return;
    }
    if (!registrations.containsKey(address)) {
      registrations.put(address, bridge.eventBus().consumer(address, message -> deliver(address, message.body())));
    }
  }

  private void unregister(String address) {
    MessageConsumer<Object> consumer = registrations.remove(address);
    if (consumer != null) {
      consumer.unregister().onFailure(e -> LOG.warn("bridge client {}: unregistering {} failed", remote, address, e));
    }
  }

  private void deliver(String address, Object body) {
    if (closed) {
      return;
    }
    if (socket.writeQueueFull()) {
      metrics.bridgeEventDropped();
      LOG.debug("bridge client {} is not reading; dropped an event", remote);
      return;
    }
    write(Frames.encodeMessage(address, body, false));
  }

  private void denied(String replyAddress, String address) {
    metrics.bridgeRejected(MetricNames.FRAME_ACCESS_DENIED);
    problems.warn("bridge client refused an address outside the command set", remote + " → " + address, null);
    write(Frames.denied(replyAddress, address, FailureCode.FORBIDDEN));
  }

  private void refuse(JsonObject frame, String address, int code, String reason, String message) {
    metrics.bridgeRejected(reason);
    problems.warn("bridge client refused (" + reason + ")", remote + " → " + address, null);
    write(Frames.refused(replyAddress(frame), address, code, reason, message));
  }

  private void reject(String reason, String detail) {
    metrics.bridgeRejected(reason);
    problems.warn("bridge client sent a bad frame (" + reason + ")", remote + ": " + detail, null);
    write(Frames.error(reason, detail));
  }

  private void write(JsonObject frame) {
    write(Frames.encode(frame));
  }

  private void write(Buffer frame) {
    if (closed) {
      return;
    }
    int bytes = frame.length();
    queuedBytes += bytes;
    boolean overBudget = bridge.queued().take(bytes);
    socket.write(frame).onComplete(ar -> {
      if (!released) {
        queuedBytes -= bytes;
        bridge.queued().give(bytes);
      }
      if (ar.failed()) {
        LOG.debug("bridge client {} is gone: {}", remote, ar.cause().getMessage());
      }
      resumeIfPossible();
    });
    if (queuedBytes > settings.maxQueuedBytesPerClient()) {
      closeFor(MetricNames.CLOSED_REPLY_BACKLOG, queuedBytes + " bytes of replies wait for a client that does not "
          + "read (limit bridge.maxQueuedBytesPerClient " + settings.maxQueuedBytesPerClient() + ")", false);
    } else if (overBudget) {
      bridge.shed();
    } else {
      pauseIfNeeded();
    }
  }

  private void pauseIfNeeded() {
    if (!paused && !closed && (inflight >= settings.maxInflightPerClient() || socket.writeQueueFull()
        || !heldLists.isEmpty())) {
      paused = true;
      socket.pause();
    }
  }

  private void resumeIfPossible() {
    if (paused && !closed && inflight < settings.maxInflightPerClient() && !socket.writeQueueFull()
        && heldLists.isEmpty()) {
      paused = false;
      socket.resume();
    }
  }

  /**
   * Closes the socket to protect the sidecar, counted and logged (rate-limited); {@code tell}:
   * an {@code err} frame says why first, for a client that still reads.
   */
  void closeFor(String reason, String detail, boolean tell) {
    if (closed) {
      return;
    }
    metrics.bridgeClosed(reason);
    problems.warn("bridge client closed (" + reason + ")", remote + ": " + detail, null);
    if (tell) {
      write(Frames.error(reason, detail));
    }
    closed = true;
    reader.stop();
    heldLists.clear();
    if (tell) {
      // a close waits until what is queued was sent; a client that does not read must not hold it open
      socket.close().onFailure(e -> LOG.debug("closing bridge client {}: {}", remote, e.getMessage()));
      vertx.setTimer(CLOSE_GRACE_MS, id -> forceClose());
    } else {
      forceClose();
    }
  }

  /**
   * Shuts the socket at once, dropping what is queued for it (a close would wait until a client
   * that does not read has read it), and gives those bytes back to the budget now.
   */
  private void forceClose() {
    if (!released) {
      released = true;
      bridge.queued().give(queuedBytes);
      queuedBytes = 0;
    }
    Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
    // linger 0: a reset, so that the kernel too drops what the client never read
    channel.config().setOption(ChannelOption.SO_LINGER, 0);
    // from the front of the pipeline, past Vert.x's handler, whose close waits for queued writes
    channel.pipeline().firstContext().close();
  }

  private void closed() {
    closed = true;
    reader.stop();
    if (authTimer >= 0) {
      vertx.cancelTimer(authTimer);
    }
    bridge.closed(this);
    bridge.sessionTies().untie(this);
    registrations.values().forEach(c -> c.unregister().onFailure(e -> LOG.warn("bridge client {}: unregistering {}"
        + " failed", remote, c.address(), e)));
    registrations.clear();
  }
}
