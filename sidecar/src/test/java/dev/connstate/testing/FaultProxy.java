package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.NetServerOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of Redis for one sidecar, which a fault test can break: {@link #reset}
 * closes every connection through it at once (as a network reset does), {@link #cut} also
 * refuses new ones for a while (a partition). Bytes pass unchanged and in order otherwise.
 */
public final class FaultProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final int port = RedisProcess.freePort();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private volatile long cutUntilNanos;

  public FaultProxy(int targetPort) {
    server = vertx.createNetServer(new NetServerOptions().setSoLinger(0)).connectHandler(client -> {
      if (System.nanoTime() - cutUntilNanos < 0) {
        client.close();
        return;
      }
      client.pause();
      vertx.createNetClient().connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          client.close();
          return;
        }
        NetSocket redis = ar.result();
        open.add(client);
        open.add(redis);
        client.handler(redis::write);
        redis.handler(client::write);
        // a reset is this proxy's purpose (and a killed Redis resets its side): close the pair quietly
        client.exceptionHandler(e -> client.close());
        redis.exceptionHandler(e -> redis.close());
        client.closeHandler(v -> {
          open.remove(client);
          redis.close();
        });
        redis.closeHandler(v -> {
          open.remove(redis);
          client.close();
        });
        client.resume();
      });
    });
    Await.result(server.listen(port, "127.0.0.1"));
  }

  /** {@code redis://127.0.0.1:port} of the proxy. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Closes every connection through the proxy now; new ones are let through. */
  public void reset() {
    open.forEach(NetSocket::close);
  }

  /** Closes every connection and refuses new ones for {@code ms}. */
  public void cut(long ms) {
    cutUntilNanos = System.nanoTime() + ms * 1_000_000;
    reset();
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
