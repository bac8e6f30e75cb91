package dev.connstate.testing;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A TCP event-bus bridge client written for the tests with plain sockets and frames built by
 * hand (4-byte big-endian length, UTF-8 JSON), as a C# or Python author would write one. Not
 * thread-safe: one test thread per instance. {@link #overTls} speaks the same over TLS.
 */
public final class RawBridge implements AutoCloseable {
  private static final AtomicInteger REPLY_IDS = new AtomicInteger();
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  /** Frames read while waiting for something else (events, other replies). */
  private final ArrayDeque<JsonObject> unclaimed = new ArrayDeque<>();

  public RawBridge(int port) {
    this(plain(port));
  }

  private RawBridge(Socket socket) {
    this.socket = socket;
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(20_000);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Socket plain(int port) {
    try {
      return new Socket("127.0.0.1", port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A client over TLS to 127.0.0.1:{@code port}, checking the server's certificate and its host
   * name (as HTTPS does), after the handshake. Under TLS 1.3 the server may still refuse the
   * client's certificate after that: the client then sees its first read fail.
   */
  public static RawBridge overTls(int port, SSLSocketFactory factory) throws IOException {
    SSLSocket socket = (SSLSocket) factory.createSocket("127.0.0.1", port);
    try {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(20_000);
      socket.startHandshake();
      return new RawBridge(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** A frame: the 4-byte big-endian length, then the bytes. */
  public static byte[] frame(byte[] payload) {
    return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
  }

  public static byte[] frame(JsonObject json) {
    return frame(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  public void writeRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void write(JsonObject frame) {
    writeRaw(frame(frame));
  }

  /** Sends {@code body} to {@code address} with a fresh reply address, which it returns. */
  public String send(String address, JsonObject body) {
    String replyAddress = "reply-" + REPLY_IDS.incrementAndGet();
    write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
        .put("body", body));
    return replyAddress;
  }

  /** Sends a request and waits for the frame answering it (a message or an err frame). */
  public JsonObject request(String address, JsonObject body) {
    return awaitReply(send(address, body));
  }

  /** Waits for the frame addressed to {@code replyAddress}, keeping other frames for later. */
  public JsonObject awaitReply(String replyAddress) {
    return awaitFrame("the reply to " + replyAddress, f -> replyAddress.equals(f.getString("address")));
  }

  /** Waits for the first frame that {@code wanted} accepts, keeping other frames for later. */
  public JsonObject awaitFrame(String what, Predicate<JsonObject> wanted) {
    for (JsonObject f : unclaimed) {
      if (wanted.test(f)) {
        unclaimed.remove(f);
        return f;
      }
    }
    while (true) {
      JsonObject f = readFromSocket();
      if (f == null) {
        throw new AssertionError("connection closed while waiting for " + what);
      }
      if (wanted.test(f)) {
        return f;
      }
      unclaimed.add(f);
    }
  }

  /**
   * Sends a {@code ping} and returns, in order, the frames that arrived before its
   * {@code pong} (and any not claimed yet): a barrier proving what the sidecar sent this
   * client up to now. The sidecar answers a client's frames in the order it sent them.
   */
  public List<JsonObject> framesBeforePong() {
    write(new JsonObject().put("type", "ping"));
    List<JsonObject> before = new ArrayList<>(unclaimed);
    unclaimed.clear();
    while (true) {
      JsonObject f = readFromSocket();
      if (f == null) {
        throw new AssertionError("connection closed while waiting for a pong");
      }
      if ("pong".equals(f.getString("type"))) {
        return before;
      }
      before.add(f);
    }
  }

  /**
   * Every frame up to the moment the sidecar closes the connection (end of stream or reset),
   * failing if it stays open longer than the socket timeout.
   */
  public List<JsonObject> framesUntilClosed() {
    List<JsonObject> frames = new ArrayList<>(unclaimed);
    unclaimed.clear();
    while (true) {
      JsonObject f = readFromSocket();
      if (f == null) {
        return frames;
      }
      frames.add(f);
    }
  }

  /** Writes {@code bytes}; false if the sidecar closed (or reset) the connection meanwhile. */
  public boolean tryWriteRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The next frame, or null if the sidecar closed the connection. */
  public JsonObject read() {
    if (!unclaimed.isEmpty()) {
      return unclaimed.poll();
    }
    return readFromSocket();
  }

  private JsonObject readFromSocket() {
    try {
      int length = in.readInt();
      byte[] payload = new byte[length];
      in.readFully(payload);
      return new JsonObject(new String(payload, StandardCharsets.UTF_8));
    } catch (EOFException e) {
      return null;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within the socket timeout", e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("reset")) {
        return null;
      }
      throw new UncheckedIOException(e);
    }
  }

  /** Events for {@code connstate.events} read so far and not claimed by a reply wait. */
  public List<JsonObject> takeEvents() {
    List<JsonObject> events = new ArrayList<>();
    unclaimed.removeIf(f -> {
      if ("connstate.events".equals(f.getString("address"))) {
        events.add(f);
        return true;
      }
      return false;
    });
    return events;
  }

  /** True if the sidecar closed this connection (reads end of stream within the timeout). */
  public boolean closedBySidecar() {
    try {
      socket.setSoTimeout(5_000);
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
