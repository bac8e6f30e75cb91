package dev.connstate.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Plain sockets that misbehave towards a bridge, for the tests of DESIGN §8's limits: one that
 * never reads (a tiny receive buffer), one that sends a length and not all of the frame, and the
 * ways to see from this side whether the sidecar closed them.
 */
public final class HostileSockets {
  private HostileSockets() {
  }

  /** A socket connected to the bridge on {@code port} whose receive buffer is {@code receiveBuffer} bytes. */
  public static Socket connect(int port, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBuffer);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    return socket;
  }

  /**
   * Connects, authenticates with {@code token} (none: null) and reads the answer, then sends the
   * length {@code length} and {@code length - 1} bytes of payload: a frame that never ends. If
   * {@code awaitClose}, reads until the sidecar closes the socket (at most 15 s) and closes it.
   * A socket the sidecar refused or reset is returned closed.
   */
  public static Socket halfFrame(int port, String token, int length, boolean awaitClose) {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress("127.0.0.1", port));
      socket.setSoTimeout(15_000);
      if (token != null) {
        socket.getOutputStream().write(RawBridge.frame(new JsonObject().put("type", "send")
            .put("address", "connstate.auth").put("replyAddress", "auth")
            .put("body", new JsonObject().put("token", token))));
        readFrame(socket.getInputStream());
      }
      byte[] half = new byte[4 + length - 1];
      ByteBuffer.wrap(half).putInt(length);
      Arrays.fill(half, 4, half.length, (byte) ' ');
      socket.getOutputStream().write(half);
      if (awaitClose) {
        endOfStream(socket);
        socket.close();
      }
    } catch (IOException e) {
      closeQuietly(socket);
    }
    return socket;
  }

  /** Reads until the sidecar ends the stream (true), or the socket's read timeout passes (false). */
  public static boolean endOfStream(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      byte[] sink = new byte[4096];
      while (in.read(sink) >= 0) {
        // err frames before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * True once writing a {@code ping} to {@code socket} fails: the sidecar closed it. A write or
   * two can land in the kernel before the reset comes back, so callers poll.
   */
  public static boolean closedByPeer(Socket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(RawBridge.frame(new JsonObject().put("type", "ping")));
      out.flush();
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** One frame from {@code in}; throws if the stream ends first. */
  public static JsonObject readFrame(InputStream in) throws IOException {
    byte[] length = in.readNBytes(4);
    if (length.length < 4) {
      throw new IOException("the stream ended");
    }
    byte[] payload = in.readNBytes(ByteBuffer.wrap(length).getInt());
    return new JsonObject(new String(payload, StandardCharsets.UTF_8));
  }

  public static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already gone
    }
  }
}
