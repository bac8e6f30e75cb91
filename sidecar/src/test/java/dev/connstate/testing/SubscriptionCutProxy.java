package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of Redis for one sidecar that can cut that sidecar's event subscription
 * alone: {@link #cut()} closes every connection that sent {@code SUBSCRIBE}, and until
 * {@link #restore()} new connections (the subscription's attempts to come back) wait unanswered:
 * closing them at once would let the client believe it subscribed for an instant. Its other
 * connections (the shards' writes, the lease) pass untouched. Other
 * sidecars on the same Redis keep their subscriptions, as when one sidecar's network path to
 * Redis drops only its long-lived pub/sub connection.
 */
public final class SubscriptionCutProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final int port = RedisProcess.freePort();
  private final Set<NetSocket> subscribed = ConcurrentHashMap.newKeySet();
  private final List<NetSocket> held = new ArrayList<>();
  private final int targetPort;
  private boolean cut;

  public SubscriptionCutProxy(int targetPort) {
    this.targetPort = targetPort;
    server = vertx.createNetServer().connectHandler(client -> {
      client.pause();
      synchronized (this) {
        if (cut) {
          // the sidecar's attempt to subscribe again: its handshake waits unanswered until restore
          held.add(client);
          return;
        }
      }
      pass(client);
    });
    Await.result(server.listen(port, "127.0.0.1"));
  }

  private void pass(NetSocket client) {
    vertx.createNetClient().connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        client.close();
        return;
      }
      NetSocket redis = ar.result();
      client.handler(data -> {
        if (data.toString().toUpperCase(Locale.ROOT).contains("SUBSCRIBE")) {
          subscribed.add(client);
        }
        redis.write(data);
      });
      redis.handler(client::write);
      client.closeHandler(v -> {
        subscribed.remove(client);
        redis.close();
      });
      redis.closeHandler(v -> client.close());
      client.resume();
    });
  }

  /** {@code redis://127.0.0.1:port} of the proxy. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Cuts the subscription now; new connections (its attempts to come back) wait until {@link #restore()}. */
  public synchronized void cut() {
    cut = true;
    subscribed.forEach(NetSocket::close);
  }

  /** Lets the waiting connections through: the sidecar subscribes again. */
  public synchronized void restore() {
    cut = false;
    held.forEach(this::pass);
    held.clear();
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
