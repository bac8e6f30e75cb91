package dev.connstate.ingress.bridge;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.Metrics;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge client's socket. Reads length-prefixed frames, answers each malformed one with
 * an {@code err} frame (or, when the stream cannot be resynchronised — a length over
 * {@code maxFrameBytes} — with an {@code err} frame and a closed socket), forwards requests to
 * the command addresses and their replies back, and delivers {@code connstate.events} to a
 * client that registered for it.
 *
 * <p>Back-pressure: the socket stops being read while {@code maxInflightPerClient} requests
 * are unanswered or its write queue is full; an event that finds the write queue full is
 * dropped for this client, counted and logged (its version gap tells the client to re-read).
 */
final class BridgeSession {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeSession.class);

  private final NetSocket socket;
  private final EventBus eventBus;
  private final SidecarConfig.BridgeSettings settings;
  private final Metrics metrics;
  private final Runnable onClose;
  private final RecordParser parser = RecordParser.newFixed(4);
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>();
  private boolean readingLength = true;
  private boolean closed;
  private boolean paused;
  private int inflight;

  /** {@code onClose} runs once when the socket closes (a socket has only one close handler: this one). */
  BridgeSession(NetSocket socket, EventBus eventBus, SidecarConfig.BridgeSettings settings, Metrics metrics,
                Runnable onClose) {
    this.socket = socket;
    this.eventBus = eventBus;
    this.settings = settings;
    this.metrics = metrics;
    this.onClose = onClose;
  }

  void start() {
    socket.setWriteQueueMaxSize(settings.maxWriteQueueBytes());
    parser.handler(this::record);
    socket.handler(parser);
    socket.drainHandler(v -> resumeIfPossible());
    socket.closeHandler(v -> closed());
    socket.exceptionHandler(e -> LOG.debug("bridge client {}: {}", socket.remoteAddress(), e.getMessage()));
  }

  private void record(Buffer record) {
    if (closed) {
      return;
    }
    if (readingLength) {
      long length = record.getUnsignedInt(0);
      if (length > settings.maxFrameBytes()) {
        reject("frame_too_large", "frame_too_large: a frame of " + length + " bytes exceeds the limit of "
            + settings.maxFrameBytes() + " bytes; closing the connection");
        close();
      } else if (length == 0) {
        reject("invalid_json", "invalid_json: empty frame");
      } else {
        readingLength = false;
        parser.fixedSizeMode((int) length);
      }
    } else {
      readingLength = true;
      parser.fixedSizeMode(4);
      frame(record);
    }
  }

  private void frame(Buffer payload) {
    JsonObject frame;
    try {
      Object decoded = io.vertx.core.json.Json.decodeValue(payload);
      if (!(decoded instanceof JsonObject object)) {
        reject("invalid_frame", "invalid_frame: expected a JSON object");
        return;
      }
      frame = object;
    } catch (DecodeException e) {
      reject("invalid_json", "invalid_json: " + firstLine(e.getMessage()));
      return;
    }
    Object type = frame.getValue(Frames.TYPE);
    if (Frames.PING.equals(type)) {
      write(new JsonObject().put(Frames.TYPE, Frames.PONG));
      return;
    }
    if (!(type instanceof String kind) || !Frames.ADDRESSED_TYPES.contains(kind)) {
      reject("unknown_type", "unknown_type: " + (type == null ? "no type" : io.vertx.core.json.Json.encode(type))
          + " (expected send, publish, register, unregister or ping)");
      return;
    }
    Object address = frame.getValue("address");
    if (!(address instanceof String target) || target.isEmpty()) {
      reject("missing_address", "missing_address: a " + kind + " frame needs an address");
      return;
    }
    switch (kind) {
      case Frames.SEND, Frames.PUBLISH -> send(frame, target);
      case Frames.REGISTER -> register(target);
      default -> unregister(target);
    }
  }

  private static String firstLine(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  /**
   * A send (or a publish: a command address has exactly one consumer, so it is a send) is
   * forwarded as a request. Without a replyAddress the reply is not sent back, but the request
   * still counts against maxInflightPerClient, so fire-and-forget traffic gets back-pressure too.
   */
  private void send(JsonObject frame, String address) {
    Object reply = frame.getValue("replyAddress");
    String replyAddress = reply instanceof String s && !s.isEmpty() ? s : null;
    if (!inboundAllowed(address)) {
      denied(replyAddress, address);
      return;
    }
    inflight++;
    pauseIfNeeded();
    eventBus.request(address, frame.getValue("body"), options(frame)).onComplete(ar -> {
      inflight--;
      if (replyAddress == null) {
        if (ar.failed()) {
          LOG.debug("bridge client {}: a {} sent without replyAddress failed: {}", socket.remoteAddress(), address,
              ar.cause().getMessage());
        }
      } else if (ar.succeeded()) {
        write(Frames.encodeMessage(replyAddress, ar.result().body(), true));
      } else {
        ReplyException failure = ar.cause() instanceof ReplyException e ? e
            : new ReplyException(ReplyFailure.RECIPIENT_FAILURE, FailureCode.INTERNAL, ar.cause().getMessage());
        write(Frames.failure(replyAddress, address, failure));
      }
      resumeIfPossible();
    });
  }

  private void register(String address) {
    if (!Addresses.EVENTS.equals(address)) {
      denied(null, address);
      return;
    }
    if (!registrations.containsKey(address)) {
      registrations.put(address, eventBus.consumer(address, message -> deliver(address, message.body())));
    }
  }

  private void unregister(String address) {
    MessageConsumer<Object> consumer = registrations.remove(address);
    if (consumer != null) {
      consumer.unregister().onFailure(e -> LOG.warn("bridge client {}: unregistering {} failed",
          socket.remoteAddress(), address, e));
    }
  }

  private void deliver(String address, Object body) {
    if (socket.writeQueueFull()) {
      metrics.bridgeEventDropped();
      LOG.debug("bridge client {} is not reading; dropped an event", socket.remoteAddress());
      return;
    }
    write(Frames.encodeMessage(address, body, false));
  }

  private static boolean inboundAllowed(String address) {
    return Addresses.COMMANDS.contains(address);
  }

  private DeliveryOptions options(JsonObject frame) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(settings.requestTimeoutMs());
    if (frame.getValue("headers") instanceof JsonObject headers) {
      headers.forEach(h -> {
        if (h.getValue() != null) {
          options.addHeader(h.getKey(), h.getValue().toString());
        }
      });
    }
    return options;
  }

  private void denied(String replyAddress, String address) {
    metrics.bridgeRejected("access_denied");
    LOG.debug("bridge client {} was refused address {}", socket.remoteAddress(), address);
    write(Frames.denied(replyAddress, address, FailureCode.FORBIDDEN));
  }

  private void reject(String reason, String message) {
    metrics.bridgeRejected(reason);
    LOG.info("bridge client {} sent a bad frame: {}", socket.remoteAddress(), message);
    write(Frames.error(message));
  }

  private void write(JsonObject frame) {
    write(Frames.encode(frame));
  }

  private void write(Buffer frame) {
    if (!closed) {
      socket.write(frame).onFailure(e -> LOG.debug("bridge client {} is gone: {}",
          socket.remoteAddress(), e.getMessage()));
      pauseIfNeeded();
    }
  }

  private void pauseIfNeeded() {
    if (!paused && !closed && (inflight >= settings.maxInflightPerClient() || socket.writeQueueFull())) {
      paused = true;
      socket.pause();
    }
  }

  private void resumeIfPossible() {
    if (paused && !closed && inflight < settings.maxInflightPerClient() && !socket.writeQueueFull()) {
      paused = false;
      socket.resume();
    }
  }

  private void close() {
    closed = true;
    socket.close().onFailure(e -> LOG.debug("closing bridge client {}: {}", socket.remoteAddress(), e.getMessage()));
  }

  private void closed() {
    closed = true;
    onClose.run();
    registrations.values().forEach(c -> c.unregister().onFailure(e -> LOG.warn("bridge client {}: unregistering {}"
        + " failed", socket.remoteAddress(), c.address(), e)));
    registrations.clear();
  }
}
