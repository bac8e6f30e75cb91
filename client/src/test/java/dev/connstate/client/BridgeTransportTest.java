package dev.connstate.client;

import static dev.connstate.client.FakeBridge.on;
import static dev.connstate.client.FakeBridge.sendTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Future;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BridgeTransportTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<ConnStateClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ConnStateClient client : clients) {
      await(client.close());
    }
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> future) throws Exception {
    try {
      Object value = await(future);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private BridgeClientOptions options(int port) {
    return new BridgeClientOptions().setPort(port).setReconnect(20, 200, 0.2).setConnectTimeoutMs(2000);
  }

  private ConnStateClient client(BridgeClientOptions options) {
    ConnStateClient client = ConnStateClient.bridge(vertx, options);
    clients.add(client);
    return client;
  }

  private FakeBridge bridge() throws Exception {
    return await(FakeBridge.start(vertx, 0));
  }

  private static JsonObject connection(long handle, long version) {
    return new JsonObject().put("handle", handle).put("state", "Connected").put("ipAddress", "ip").put("hostname", "h")
        .put("connectionType", "telnet").put("owner", "fake").put("connectedAt", 1L).put("lastSeen", 2L)
        .put("version", version).put("metadata", new JsonObject());
  }

  private static JsonObject event(String type, long handle, long version) {
    return new JsonObject().put("type", "message").put("address", Addresses.EVENTS).put("headers", new JsonObject())
        .put("body", new JsonObject().put("type", type).put("handle", handle).put("version", version)
            .put("changes", new JsonObject()).put("origin", "fake").put("at", 1L)).put("send", false);
  }

  @Test
  @DisplayName("answers are matched to requests by reply address, in whatever order they come")
  void correlation() throws Exception {
    FakeBridge bridge = bridge();
    List<JsonObject> held = new CopyOnWriteArrayList<>();
    bridge.responder = send -> {
      held.add(send);
      return null;
    };
    ConnStateClient client = client(options(bridge.port()));
    Future<JsonObject> first = client.request(Addresses.GET, new JsonObject().put("handle", 1));
    Future<JsonObject> second = client.request(Addresses.GET, new JsonObject().put("handle", 2));
    await(bridge.await(r -> held.size() == 2));
    assertThat(held.get(0).getString("replyAddress")).isNotEqualTo(held.get(1).getString("replyAddress"));
    bridge.push(FakeBridge.reply(held.get(1), new JsonObject().put("n", 2)));
    bridge.push(FakeBridge.reply(held.get(0), new JsonObject().put("n", 1)));
    assertThat(await(first).getInteger("n")).isEqualTo(1);
    assertThat(await(second).getInteger("n")).isEqualTo(2);
  }

  @Test
  @DisplayName("an err frame fails its request with the typed exception; one without an address fails none and is counted")
  void errors() throws Exception {
    FakeBridge bridge = bridge();
    bridge.responder = send -> send.getString("address").equals(Addresses.BIND)
        ? FakeBridge.err(send, 409, "handle 42 is bound to player #5") : FakeBridge.echo(send);
    BridgeTransport transport = new BridgeTransport(vertx, options(bridge.port()));
    Throwable conflict = failure(transport.request(Addresses.BIND, new JsonObject().put("handle", 42)));
    assertThat(conflict).isInstanceOf(ConflictException.class).hasMessage("handle 42 is bound to player #5");
    assertThat(((ConnStateException) conflict).code()).isEqualTo(409);

    bridge.responder = send -> null;
    Future<JsonObject> waiting = transport.request(Addresses.GET, new JsonObject().put("handle", 1));
    await(bridge.await(sendTo(Addresses.GET)));
    bridge.push(new JsonObject().put("type", "err").put("message", "access_denied").put("failureCode", 403));
    bridge.push(new JsonObject().put("type", "err").put("message", "access_denied").put("failureCode", 403));
    // a ping after them: once its pong is read, so are the two err frames
    await(transport.subscribe(b -> { }, () -> { }).ready());
    assertThat(transport.unmatchedErrors()).isEqualTo(2);
    assertThat(waiting.isComplete()).isFalse();
    await(transport.close());
    assertThat(failure(waiting)).isInstanceOf(OutcomeUnknownException.class);
  }

  @Test
  @DisplayName("a request in flight when the connection closes fails as outcome unknown")
  void closedMidRequest() throws Exception {
    FakeBridge bridge = bridge();
    bridge.responder = send -> null;
    ConnStateClient client = client(options(bridge.port()));
    Future<JsonObject> inFlight = client.request(Addresses.DISCONNECT, new JsonObject().put("handle", 1));
    await(bridge.await(sendTo(Addresses.DISCONNECT)));
    await(bridge.sockets.get(0).close());
    assertThat(failure(inFlight)).isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("closed");
  }

  @Test
  @DisplayName("a request unanswered within the request timeout fails as outcome unknown")
  void clientTimeout() throws Exception {
    FakeBridge bridge = bridge();
    bridge.responder = send -> null;
    ConnStateClient client = client(options(bridge.port()).setRequestTimeoutMs(200));
    assertThat(failure(client.stats())).isInstanceOf(OutcomeUnknownException.class)
        .hasMessageContaining("within 200 ms");
  }

  @Test
  @DisplayName("with no sidecar at all, a request fails after its timeout as not sent")
  void noSidecar() throws Exception {
    int port = freePort();
    ConnStateClient client = client(options(port).setRequestTimeoutMs(300));
    Throwable notSent = failure(client.stats());
    assertThat(notSent).isInstanceOf(UnavailableException.class).hasMessageContaining("was not sent");
    assertThat(((UnavailableException) notSent).mayBeStored()).isFalse();
  }

  @Test
  @DisplayName("a client started before its sidecar waits, authenticates and announces its session first, then sends")
  void startedBeforeSidecar() throws Exception {
    int port = freePort();
    ConnStateClient client = client(options(port).setToken("s3cret").setSession("boot-1"));
    Future<JsonObject> early = client.stats();
    FakeBridge bridge = FakeBridge.create(vertx);
    bridge.token = "s3cret";
    bridge.responder = send -> send.getString("address").equals(Addresses.SESSION)
        ? FakeBridge.reply(send, new JsonObject().put("session", "boot-1").put("connections", 0))
        : FakeBridge.echo(send);
    await(bridge.listen(port, 50));
    assertThat(await(early).getString("address")).isEqualTo(Addresses.STATS);
    List<String> sent = bridge.frames().stream().filter(f -> "send".equals(f.getString("type")))
        .map(f -> f.getString("address")).toList();
    assertThat(sent).containsExactly(Addresses.AUTH, Addresses.SESSION, Addresses.STATS);
  }

  @Test
  @DisplayName("a wrong token fails the waiting requests as unauthenticated")
  void wrongToken() throws Exception {
    FakeBridge bridge = bridge();
    bridge.token = "right";
    ConnStateClient client = client(options(bridge.port()).setToken("wrong"));
    assertThat(failure(client.stats())).isInstanceOf(UnauthenticatedException.class);
    assertThat(bridge.frames()).noneMatch(f -> Addresses.STATS.equals(f.getString("address")));
  }

  @Test
  @DisplayName("after the connection drops it reconnects, authenticates, registers for events again, tells the "
      + "application, and the handler keeps receiving, re-reading handles it knew")
  void reconnects() throws Exception {
    FakeBridge bridge = bridge();
    bridge.token = "t";
    bridge.responder = send -> Addresses.GET.equals(send.getString("address"))
        ? FakeBridge.reply(send, connection(send.getJsonObject("body").getLong("handle"), 3)) : FakeBridge.echo(send);
    ConnStateClient client = client(options(bridge.port()).setToken("t"));
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> rereadSeen = new CompletableFuture<>();
    AtomicInteger reconnects = new AtomicInteger();
    client.onReconnected(v -> seen.add("reconnected"));
    client.onReconnected(v -> reconnects.incrementAndGet());
    EventSubscription events = client.events(e -> {
      seen.add(e.type() + " " + e.handle() + "@" + e.version());
      if (e.reread()) {
        rereadSeen.complete(null);
      }
    });
    await(events.ready());
    bridge.push(event("registered", 9, 1));
    bridge.push(event("updated", 9, 2));
    await(client.stats());

    await(bridge.sockets.get(0).close());
    await(bridge.await(on(1, r -> "register".equals(r.frame().getString("type")))));
    await(client.stats());
    // the version follows the last one seen, but events were lost meanwhile: re-read
    bridge.push(event("updated", 9, 3));
    rereadSeen.get(10, TimeUnit.SECONDS);
    assertThat(seen).containsExactly("registered 9@1", "updated 9@2", "reconnected", "reread 9@3");
    assertThat(reconnects).hasValue(1);
    List<String> second = bridge.frames().stream().filter(f -> !"ping".equals(f.getString("type")))
        .map(f -> f.getString("type") + " " + f.getString("address")).toList();
    assertThat(second).containsSubsequence("send connstate.auth", "register connstate.events", "send connstate.auth",
        "register connstate.events");
  }

  @Test
  @DisplayName("a connection that answers no ping is taken for dead and replaced")
  void deadConnection() throws Exception {
    FakeBridge bridge = bridge();
    bridge.answerPings = false;
    client(options(bridge.port()).setPing(50, 100));
    // the second connection's first ping shows the first was closed and replaced
    await(bridge.await(on(1, r -> "ping".equals(r.frame().getString("type")))));
    assertThat(bridge.frames()).filteredOn(f -> "ping".equals(f.getString("type"))).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("an unregistered subscription gets no more events and the socket unregisters the address")
  void unregister() throws Exception {
    FakeBridge bridge = bridge();
    ConnStateClient client = client(options(bridge.port()));
    List<ConnectionEvent> raw = new CopyOnWriteArrayList<>();
    EventSubscription subscription = client.rawEvents(raw::add);
    await(subscription.ready());
    bridge.push(event("registered", 1, 1));
    await(client.stats());
    await(subscription.unregister());
    bridge.push(event("updated", 1, 2));
    await(bridge.await(r -> "unregister".equals(r.frame().getString("type"))));
    await(client.stats());
    assertThat(raw).extracting(ConnectionEvent::version).containsExactly(1L);
  }

  @Test
  @DisplayName("the reconnect delay doubles from the initial one up to the cap, varied by the jitter")
  void backoff() {
    assertThat(BridgeTransport.backoff(0, 100, 10_000, 0.2, 0.5)).isEqualTo(100);
    assertThat(BridgeTransport.backoff(3, 100, 10_000, 0.2, 0.5)).isEqualTo(800);
    assertThat(BridgeTransport.backoff(40, 100, 10_000, 0.2, 0.5)).isEqualTo(10_000);
    assertThat(BridgeTransport.backoff(0, 100, 10_000, 0.2, 0.0)).isEqualTo(80);
    assertThat(BridgeTransport.backoff(0, 100, 10_000, 0.2, 1.0)).isEqualTo(120);
  }

  @Test
  @DisplayName("the typed commands build the documented bodies and read the documented replies")
  void typedCommands() throws Exception {
    FakeBridge bridge = bridge();
    bridge.responder = send -> switch (send.getString("address")) {
      case Addresses.REGISTER -> FakeBridge.reply(send, connection(1, 1).put("session", "boot-1").put("created", true));
      case Addresses.SESSION -> FakeBridge.reply(send, new JsonObject().put("session", "boot-1").put("connections", 4));
      default -> FakeBridge.echo(send);
    };
    ConnStateClient client = client(options(bridge.port()));
    Registration registration = await(client.register(NewConnection.of(1, "ip", "h", "telnet").withSession("boot-1")
        .withMetadata(Map.of("WIDTH", "80"))));
    assertThat(registration.created()).isTrue();
    assertThat(registration.connection().session()).isEqualTo("boot-1");
    JsonObject registerBody = await(bridge.await(sendTo(Addresses.REGISTER))).frame().getJsonObject("body");
    assertThat(registerBody.getString("session")).isEqualTo("boot-1");
    assertThat(registerBody.getJsonObject("metadata").getString("WIDTH")).isEqualTo("80");
    assertThat(await(client.session("boot-1"))).isEqualTo(new SessionStatus("boot-1", 4));
  }

  private int freePort() throws Exception {
    NetServer probe = await(vertx.createNetServer().connectHandler(BridgeTransport::close).listen(0, "127.0.0.1"));
    int port = probe.actualPort();
    await(probe.close());
    return port;
  }

}
