package dev.connstate.client;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * Dead-connection detection for one bridge socket (docs/protocol.md §9 point 7): the sidecar
 * never pings, so a half-open TCP connection would otherwise look alive forever. Every interval
 * it sends a ping; if no frame at all arrived within the timeout after it, it closes the socket,
 * whose close handler then reconnects.
 *
 * <p>Not thread-safe: used on the transport's context only.
 */
final class KeepAlive {
  private static final System.Logger LOG = System.getLogger(KeepAlive.class.getName());
  private final Vertx vertx;
  private final NetSocket socket;
  private final long timeoutMs;
  private final long timer;
  private long lastFrameNanos = System.nanoTime();
  private boolean stopped;

  /** Starts pinging {@code socket} through {@code write} every {@code intervalMs}. */
  KeepAlive(Vertx vertx, NetSocket socket, long intervalMs, long timeoutMs, Consumer<JsonObject> write, String where) {
    this.vertx = vertx;
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.timer = intervalMs == 0 ? -1 : vertx.setPeriodic(intervalMs, id -> ping(write, where));
  }

  /** A frame arrived: the connection is alive. */
  void received() {
    lastFrameNanos = System.nanoTime();
  }

  /** Stops pinging (the socket closed). */
  void stop() {
    stopped = true;
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  private void ping(Consumer<JsonObject> write, String where) {
    long sentAt = System.nanoTime();
    write.accept(new JsonObject().put("type", "ping"));
    vertx.setTimer(timeoutMs, t -> {
      if (!stopped && lastFrameNanos - sentAt < 0) {
        LOG.log(Level.WARNING, "no answer from the sidecar at " + where + " within " + timeoutMs
            + " ms of a ping; taking the connection for dead");
        BridgeTransport.close(socket);
      }
    });
  }
}
