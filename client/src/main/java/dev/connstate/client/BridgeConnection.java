package dev.connstate.client;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A JVM client of the TCP event-bus bridge (docs/protocol.md): one socket, requests pipelined
 * and matched to their replies by reply address. A failed request fails its future with a
 * {@link ReplyException} carrying the failure code, like the event-bus client. Used by
 * {@code connstate bench}.
 *
 * <p>Not thread-safe: use it from the event loop it was opened on.
 */
public final class BridgeConnection {
  // held so that it stays reachable: Vert.x closes a NetClient, and its sockets, once it is garbage
  private final NetClient client;
  private final NetSocket socket;
  private final Context context;
  private final RecordParser parser = RecordParser.newFixed(4);
  private final Map<String, Promise<JsonObject>> pending = new HashMap<>();
  private final String replyPrefix;
  private Consumer<JsonObject> events = e -> { };
  private long nextId;
  private boolean closed;
  private boolean readingLength = true;

  private BridgeConnection(NetClient client, NetSocket socket, String replyPrefix) {
    this.client = client;
    this.socket = socket;
    this.context = Vertx.currentContext();
    this.replyPrefix = replyPrefix;
    parser.handler(this::record);
    socket.handler(parser);
    socket.closeHandler(v -> {
      closed = true;
      failAll("the connection to the sidecar closed");
    });
  }

  /** Connects to a sidecar's bridge. */
  public static Future<BridgeConnection> open(Vertx vertx, String host, int port) {
    NetClient client = vertx.createNetClient();
    return client.connect(port, host)
        .map(socket -> {
          // requests issued in one event-loop turn leave in one write syscall
          ((NetSocketInternal) socket).channelHandlerContext().pipeline()
              .addFirst(new FlushConsolidationHandler(256, true));
          return socket;
        })
        .map(socket -> new BridgeConnection(client, socket,
            "r" + Integer.toHexString(System.identityHashCode(socket)) + "."))
        .onFailure(e -> client.close());
  }

  /** Sends one command; completes with the reply body, or fails with its {@link ReplyException}. */
  public Future<JsonObject> request(String address, JsonObject body) {
    String replyAddress = replyPrefix + (nextId++);
    Promise<JsonObject> promise = Promise.promise();
    pending.put(replyAddress, promise);
    write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
        .put("body", body));
    return promise.future();
  }

  /** Receives change events from now on (registers for {@code connstate.events}). */
  public void events(Consumer<JsonObject> handler) {
    events = handler;
    write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
  }

  /** The event loop this connection belongs to: use it from there. */
  public Context context() {
    return context;
  }

  /** Whether the socket closed: every request fails from then on. */
  public boolean closed() {
    return closed;
  }

  /** Requests sent and not answered yet. */
  public int pending() {
    return pending.size();
  }

  /** Closes the socket; requests still waiting fail. */
  public Future<Void> close() {
    return socket.close().eventually(client::close);
  }

  private void write(JsonObject frame) {
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer(json.length() + 4).appendInt(json.length()).appendBuffer(json))
        .onFailure(e -> failAll("cannot write to the sidecar: " + e.getMessage()));
  }

  private void record(Buffer record) {
    if (readingLength) {
      readingLength = false;
      parser.fixedSizeMode((int) record.getUnsignedInt(0));
      return;
    }
    readingLength = true;
    parser.fixedSizeMode(4);
    JsonObject frame = new JsonObject(record);
    String address = frame.getString("address");
    Promise<JsonObject> promise = address == null ? null : pending.remove(address);
    if (promise != null) {
      if ("err".equals(frame.getString("type"))) {
        promise.fail(new ReplyException(failureType(frame.getString("failureType")),
            frame.getInteger("failureCode", -1), frame.getString("message")));
      } else {
        promise.complete(frame.getJsonObject("body"));
      }
    } else if (Addresses.EVENTS.equals(address)) {
      events.accept(frame.getJsonObject("body"));
    }
  }

  private static ReplyFailure failureType(String name) {
    try {
      return name == null ? ReplyFailure.RECIPIENT_FAILURE : ReplyFailure.valueOf(name);
    } catch (IllegalArgumentException e) {
      return ReplyFailure.RECIPIENT_FAILURE;
    }
  }

  private void failAll(String why) {
    Map<String, Promise<JsonObject>> waiting = new HashMap<>(pending);
    pending.clear();
    waiting.values().forEach(p -> p.tryFail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, -1, why)));
  }
}
