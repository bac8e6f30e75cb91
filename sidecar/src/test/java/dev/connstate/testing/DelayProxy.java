package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

/**
 * A TCP proxy in front of Redis that delays everything Redis sends back by a fixed time, so a
 * test can make the round trip slow without touching Redis. Order is kept: equal delays fire
 * in the order they were scheduled on the proxy's event loop.
 */
public final class DelayProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final int port = RedisProcess.freePort();

  public DelayProxy(int targetPort, long delayMs) {
    server = vertx.createNetServer().connectHandler(client -> {
      client.pause();
      vertx.createNetClient().connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          client.close();
          return;
        }
        NetSocket redis = ar.result();
        client.handler(redis::write);
        redis.handler(data -> vertx.setTimer(delayMs, id -> client.write(data)));
        client.closeHandler(v -> redis.close());
        redis.closeHandler(v -> vertx.setTimer(delayMs, id -> client.close()));
        client.resume();
      });
    });
    Await.result(server.listen(port, "127.0.0.1"));
  }

  /** {@code redis://127.0.0.1:port} of the proxy. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
