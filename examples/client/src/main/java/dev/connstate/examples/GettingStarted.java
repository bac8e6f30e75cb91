package dev.connstate.examples;

import dev.connstate.client.BridgeClientOptions;
import dev.connstate.client.ConnStateClient;
import dev.connstate.client.NewConnection;
import dev.connstate.client.NotFoundException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.Map;

/**
 * Getting started with connstate-client in Java (docs/client.md): a game server in its own
 * process reaches its sidecar over the TCP bridge, watches the change events, registers a
 * connection, logs a player in, reads it back and lets it go.
 * {@code java dev.connstate.examples.GettingStarted [host] [port]}.
 */
public final class GettingStarted {
  private GettingStarted() {
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    BridgeClientOptions options = new BridgeClientOptions()
        .setHost(args.length > 0 ? args[0] : "127.0.0.1")
        .setPort(args.length > 1 ? Integer.parseInt(args[1]) : 7000)
        .setToken(System.getenv("CONNSTATE_TOKEN"));   // null: the sidecar has no clients configured
    run(vertx, options, 42, System.out)
        .onComplete(ar -> {
          if (ar.failed()) {
            System.err.println("failed: " + ar.cause());
          }
          vertx.close();
        });
  }

  /** The walk-through, as a composition of futures; completes when the client is closed. */
  public static Future<Void> run(Vertx vertx, BridgeClientOptions options, long handle, PrintStream out) {
    ConnStateClient client = ConnStateClient.bridge(vertx, options);
    // events first, so that nothing happens between subscribing and the first command
    return client.events(event -> out.println("event: " + event.type() + " " + event.handle() + " v"
            + event.version()))
        .ready()
        .compose(v -> client.register(NewConnection.of(handle, "203.0.113.5:50122", "203.0.113.5", "telnet")
            .withMetadata(Map.of("CLIENT", "java"))))
        .compose(registered -> client.bind(handle, "#5"))
        .compose(bound -> {
          out.println("bound: " + bound.handle() + " is " + bound.state() + " as " + bound.playerRef());
          return client.get(handle);
        })
        .compose(read -> {
          out.println("get: " + read.handle() + " owned by " + read.owner());
          return client.disconnect(handle, "quit");
        })
        .compose(removed -> client.get(handle).map(c -> false)
            .recover(e -> Future.succeededFuture(e instanceof NotFoundException)))
        .compose(gone -> {
          out.println("after disconnect, get says 404: " + gone);
          return client.close();
        });
  }
}
