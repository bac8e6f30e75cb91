package dev.connstate.client;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The typed client of a connstate sidecar (DESIGN §2, §9): one method per command, change events
 * with version-gap detection, and the failure codes as exceptions — the same API in the
 * sidecar's own process and from another process over the TCP bridge.
 *
 * <h2>Getting started</h2>
 *
 * <pre>{@code
 * // from another process, over the TCP bridge (docs/protocol.md)
 * ConnStateClient client = ConnStateClient.bridge(vertx, new BridgeClientOptions()
 *     .setHost("127.0.0.1").setPort(7000)
 *     .setToken(System.getenv("CONNSTATE_TOKEN"))          // when the sidecar has clients configured
 *     .setSession(bootId));                                 // a connection server's client session
 * // or in the sidecar's own Vert.x
 * ConnStateClient client = ConnStateClient.inProcess(vertx);
 *
 * client.events(event -> copy.apply(event)).ready()        // register for events first, then list
 *     .compose(v -> client.list(ListQuery.all()))
 *     .onSuccess(page -> copy.load(page.connections()));
 * client.register(NewConnection.of(42, "203.0.113.5:50122", "203.0.113.5", "telnet"))
 *     .compose(r -> client.bind(42, "#5"))
 *     .onFailure(e -> log.warn("bind failed", e));
 * }</pre>
 *
 * <h2>Threading</h2>
 *
 * A client belongs to the Vert.x context it was created on (the caller's context, or a new
 * event-loop context when created from a thread that has none). Every event handler and
 * {@link #onReconnected} listener is called on that context, one call at a time, so a handler
 * may keep its copy of the connections in plain fields. Commands may be called from any thread
 * and are sent in the order they were called from that thread. Over the bridge their futures
 * complete on the client's context; in process, on the caller's context (an event-loop context
 * of the event bus when called from elsewhere). Nothing here blocks: compose the futures.
 *
 * <h2>Failures</h2>
 *
 * A failed command fails its future with a {@link ConnStateException} whose subclass names the
 * failure code of DESIGN §2 and says whether retrying is safe: {@link BadRequestException} (400,
 * the message names the field), {@link UnauthenticatedException} (401),
 * {@link ForbiddenException} (403), {@link NotFoundException} (404), {@link ConflictException}
 * (409), {@link UnavailableException} (503: retry with backoff; {@code mayBeStored()} says
 * whether the change may still appear), {@link InternalErrorException} (500) and
 * {@link OutcomeUnknownException} (no answer: the sidecar's TIMEOUT or NO_HANDLERS, the bridge
 * connection closed while the request was in flight, or this client's request timeout). The
 * idempotent commands (register, bind, unbind, disconnect, touch and every read) are safe to
 * retry after a 503 or an unknown outcome. Both transports raise the same exceptions.
 *
 * <h2>Connection and reconnects (bridge)</h2>
 *
 * The bridge client connects at once and, whenever the connection is lost or cannot be made,
 * retries with exponential backoff until {@link #close()} ({@link BridgeClientOptions}). A
 * client started before its sidecar simply waits: requests made meanwhile are queued and sent
 * once connected, or fail with {@link UnavailableException} (not sent) after their timeout.
 * After every connect, before anything else, it sends the token ({@code connstate.auth}), then
 * the session ({@code connstate.session}), then registers for events if any handler is
 * registered. A request in flight when the connection drops fails with
 * {@link OutcomeUnknownException}; it is not resent. A keep-alive ping detects a dead connection
 * (no frame within the pong timeout) and reconnects.
 *
 * <p>Events published while the client was disconnected are lost. After a reconnect the client
 * (1) treats the next event of every handle it knew as possibly after missed ones, so that event
 * leads to a re-read (below), and (2) calls the {@link #onReconnected} listeners, before any
 * event of the new connection: a client that keeps a copy should resynchronise there with
 * {@link #list} (docs/protocol.md §8.3), since handles that changed and then went quiet send no
 * event.
 *
 * <h2>Events</h2>
 *
 * {@link #events} applies the rules of docs/protocol.md §8.3 for each subscription: it keeps the
 * last version delivered per handle; a {@code registered} event starts the handle anew; an event
 * whose version is not above the last is a duplicate and is dropped; an event of an unknown
 * handle, or one whose version skips ahead, means events were missed, so the client re-reads the
 * handle with {@code get} and delivers what it found as a {@link ConnectionEvent#REREAD} event
 * (the whole connection in {@link ConnectionEvent#snapshot()}) or, if it is gone, a
 * {@link ConnectionEvent#GONE} event. Later events of that handle wait for the re-read, so each
 * handle's events arrive in version order. The first event of a handle a subscription has not
 * seen yet is therefore a re-read; a client that does not keep a copy can use {@link #rawEvents}.
 *
 * <h2>Lifetime</h2>
 *
 * {@link #close()} stops reconnecting, fails waiting requests and closes the connection; an
 * in-process client has nothing to close. Vert.x itself is the caller's.
 */
public final class ConnStateClient {
  private final Transport transport;

  private ConnStateClient(Transport transport) {
    this.transport = transport;
  }

  /** A client on the event bus of {@code vertx}, where a sidecar runs in this process (30 s request timeout). */
  public static ConnStateClient inProcess(Vertx vertx) {
    return inProcess(vertx, new DeliveryOptions());
  }

  /** The same, with these delivery options (e.g. the request timeout). */
  public static ConnStateClient inProcess(Vertx vertx, DeliveryOptions options) {
    return new ConnStateClient(new EventBusTransport(vertx, options));
  }

  /** A client of the sidecar's TCP bridge; it starts connecting at once (see the class javadoc). */
  public static ConnStateClient bridge(Vertx vertx, BridgeClientOptions options) {
    return new ConnStateClient(new BridgeTransport(vertx, options));
  }

  /** Registers a connection; the five SharpMUSH metadata keys are filled from the fields. */
  public Future<Registration> register(long handle, String ipAddress, String hostname, String connectionType) {
    return register(NewConnection.of(handle, ipAddress, hostname, connectionType));
  }

  /** Registers a connection with an owner (null: the sidecar's instance id) and extra metadata. */
  public Future<Registration> register(long handle, String ipAddress, String hostname, String connectionType,
                                       String owner, Map<String, String> metadata) {
    return register(NewConnection.of(handle, ipAddress, hostname, connectionType).withOwner(owner)
        .withMetadata(metadata));
  }

  /**
   * Registers a connection (critical: answered once Redis stored it). Idempotent: an existing
   * handle is answered unchanged with {@code created} false.
   */
  public Future<Registration> register(NewConnection connection) {
    JsonObject body = new JsonObject().put("handle", connection.handle()).put("ipAddress", connection.ipAddress())
        .put("hostname", connection.hostname()).put("connectionType", connection.connectionType());
    if (connection.owner() != null) {
      body.put("owner", connection.owner());
    }
    if (connection.session() != null) {
      body.put("session", connection.session());
    }
    if (!connection.metadata().isEmpty()) {
      body.put("metadata", new JsonObject(Map.copyOf(connection.metadata())));
    }
    return request(Addresses.REGISTER, body)
        .map(json -> new Registration(Connection.fromJson(json), json.getBoolean("created")));
  }

  /** Binds the connection to a player ({@code #N} or {@code #N:creationMillis}); 409 if bound to another. */
  public Future<Connection> bind(long handle, String playerRef) {
    return request(Addresses.BIND, new JsonObject().put("handle", handle).put("playerRef", playerRef))
        .map(Connection::fromJson);
  }

  /** Unbinds the connection's player (a no-op when unbound). */
  public Future<Connection> unbind(long handle) {
    return request(Addresses.UNBIND, new JsonObject().put("handle", handle)).map(Connection::fromJson);
  }

  /** Sets metadata keys (a null value removes the key); written behind unless configured critical. */
  public Future<UpdateResult> update(long handle, Map<String, String> metadata) {
    return update(handle, metadata, false);
  }

  /** Sets metadata keys and answers only once Redis stored them. */
  public Future<UpdateResult> updateCritical(long handle, Map<String, String> metadata) {
    return update(handle, metadata, true);
  }

  private Future<UpdateResult> update(long handle, Map<String, String> metadata, boolean critical) {
    JsonObject meta = new JsonObject();
    metadata.forEach(meta::put);
    JsonObject body = new JsonObject().put("handle", handle).put("metadata", meta);
    if (critical) {
      body.put("critical", true);
    }
    return request(Addresses.UPDATE, body)
        .map(json -> new UpdateResult(json.getLong("handle"), json.getBoolean("persisted"), json.getLong("version")));
  }

  /** Sets LastConnectionSignal to now; 404 for an unknown handle. */
  public Future<Void> touch(long handle) {
    return request(Addresses.TOUCH, new JsonObject().put("handle", handle)).mapEmpty();
  }

  /** Touches several handles; unknown and refused ones are reported, not failed. */
  public Future<TouchResult> touch(Collection<Long> handles) {
    return request(Addresses.TOUCH, new JsonObject().put("handles", new JsonArray(new ArrayList<>(handles))))
        .map(json -> new TouchResult(longs(json.getJsonArray("handles")), longs(json.getJsonArray("unknown")),
            longs(json.getJsonArray("refused", new JsonArray()))));
  }

  /** Removes the connection; true if this call removed it, false if it was already gone. */
  public Future<Boolean> disconnect(long handle, String reason) {
    JsonObject body = new JsonObject().put("handle", handle);
    if (reason != null) {
      body.put("reason", reason);
    }
    return request(Addresses.DISCONNECT, body).map(json -> json.getBoolean("removed"));
  }

  /** The connection, or a {@link NotFoundException}. */
  public Future<Connection> get(long handle) {
    return request(Addresses.GET, new JsonObject().put("handle", handle)).map(Connection::fromJson);
  }

  /** One page of connections, sorted by handle; follow {@link ConnectionPage#cursor()} for the next. */
  public Future<ConnectionPage> list(ListQuery query) {
    return request(Addresses.LIST, query.toJson()).map(json -> {
      List<Connection> connections = new ArrayList<>();
      json.getJsonArray("connections").forEach(c -> connections.add(Connection.fromJson((JsonObject) c)));
      return new ConnectionPage(connections, json.getString("cursor"), json.getLong("total"));
    });
  }

  /** Handles bound to a player; {@code #N} matches any creation time. */
  public Future<List<Long>> byPlayer(String playerRef) {
    return request(Addresses.BY_PLAYER, new JsonObject().put("playerRef", playerRef))
        .map(json -> longs(json.getJsonArray("handles")));
  }

  /** Counts by state, pending writes, Redis status (docs/protocol.md §6.10). */
  public Future<JsonObject> stats() {
    return request(Addresses.STATS, new JsonObject());
  }

  /**
   * Ties the bridge socket to a client session (DESIGN §7); answers how many connections the
   * sidecar owns in it. A bridge client with {@link BridgeClientOptions#setSession} announces it
   * after every connect by itself.
   */
  public Future<SessionStatus> session(String session) {
    return request(Addresses.SESSION, new JsonObject().put("session", session))
        .map(json -> new SessionStatus(json.getString("session"), json.getLong("connections")));
  }

  /**
   * Receives change events with the version-gap rules of the class javadoc: duplicates dropped,
   * missed events answered by a re-read. Each call is a subscription of its own, with its own
   * versions.
   */
  public EventSubscription events(Handler<ConnectionEvent> handler) {
    EventTracker tracker = new EventTracker(handle -> request(Addresses.GET, new JsonObject().put("handle", handle)),
        handler);
    return transport.subscribe(tracker::accept, tracker::reconnected);
  }

  /** Receives every change event as it arrives, with no gap detection (tools that watch the stream). */
  public EventSubscription rawEvents(Handler<ConnectionEvent> handler) {
    return transport.subscribe(body -> handler.handle(ConnectionEvent.fromJson(body)), () -> { });
  }

  /**
   * Calls {@code listener} on the client's context after every reconnect of the bridge, before
   * any event of the new connection: events sent meanwhile are lost, resynchronise with
   * {@link #list}. Never called in process.
   */
  public ConnStateClient onReconnected(Handler<Void> listener) {
    transport.onReconnected(listener);
    return this;
  }

  /** Sends any command body and returns the reply body, for callers that build JSON themselves. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return transport.request(address, body);
  }

  /**
   * True while a command is sent at once: over the bridge, while connected and authenticated
   * (false while it reconnects: commands then wait for the connection, up to their timeout); in
   * process, always. A point-in-time answer, for health checks and tests.
   */
  public boolean connected() {
    return transport.connected();
  }

  /** Stops the client: no more reconnects or events; requests still waiting fail. */
  public Future<Void> close() {
    return transport.close();
  }

  private static List<Long> longs(JsonArray array) {
    List<Long> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(array.getLong(i));
    }
    return out;
  }
}
