package dev.connstate.client;

import dev.connstate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A typed client for JVM code on the sidecar's event bus: one method per command of DESIGN §2,
 * over the same addresses and bodies a bridge client uses. A failed command fails its future
 * with a {@link io.vertx.core.eventbus.ReplyException} whose {@code failureCode()} is the code
 * of DESIGN §2 (400, 404, 409, 503, 500) and whose message says what to do.
 *
 * <p>Thread-safe; calls from one thread are executed in the order they are made.
 */
public final class ConnStateClient {
  private final EventBus eventBus;
  private final DeliveryOptions options;

  /** A client with the event bus's default request timeout (30 s). */
  public ConnStateClient(EventBus eventBus) {
    this(eventBus, new DeliveryOptions());
  }

  public ConnStateClient(EventBus eventBus, DeliveryOptions options) {
    this.eventBus = eventBus;
    this.options = options;
  }

  /** Registers a connection; the five SharpMUSH metadata keys are filled from the fields. */
  public Future<Registration> register(long handle, String ipAddress, String hostname, String connectionType) {
    return register(handle, ipAddress, hostname, connectionType, null, Map.of());
  }

  /** Registers a connection with an owner (null: the sidecar's instance id) and extra metadata. */
  public Future<Registration> register(long handle, String ipAddress, String hostname, String connectionType,
                                       String owner, Map<String, String> metadata) {
    JsonObject body = new JsonObject().put("handle", handle).put("ipAddress", ipAddress).put("hostname", hostname)
        .put("connectionType", connectionType);
    if (owner != null) {
      body.put("owner", owner);
    }
    if (!metadata.isEmpty()) {
      body.put("metadata", new JsonObject(Map.copyOf(metadata)));
    }
    return request(Addresses.REGISTER, body)
        .map(json -> new Registration(Connection.fromJson(json), json.getBoolean("created")));
  }

  /** Binds the connection to a player ({@code #N} or {@code #N:creationMillis}). */
  public Future<Connection> bind(long handle, String playerRef) {
    return request(Addresses.BIND, new JsonObject().put("handle", handle).put("playerRef", playerRef))
        .map(Connection::fromJson);
  }

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

  /** Sets LastConnectionSignal to now. */
  public Future<Void> touch(long handle) {
    return request(Addresses.TOUCH, new JsonObject().put("handle", handle)).mapEmpty();
  }

  /** Touches several handles; unknown ones are reported, not failed. */
  public Future<TouchResult> touch(Collection<Long> handles) {
    return request(Addresses.TOUCH, new JsonObject().put("handles", new JsonArray(new ArrayList<>(handles))))
        .map(json -> new TouchResult(longs(json.getJsonArray("handles")), longs(json.getJsonArray("unknown"))));
  }

  /** Removes the connection; true if it existed. */
  public Future<Boolean> disconnect(long handle, String reason) {
    JsonObject body = new JsonObject().put("handle", handle);
    if (reason != null) {
      body.put("reason", reason);
    }
    return request(Addresses.DISCONNECT, body).map(json -> json.getBoolean("removed"));
  }

  /** The connection, or a failure with code 404. */
  public Future<Connection> get(long handle) {
    return request(Addresses.GET, new JsonObject().put("handle", handle)).map(Connection::fromJson);
  }

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

  /** Counts by state, pending writes, Redis status. */
  public Future<JsonObject> stats() {
    return request(Addresses.STATS, new JsonObject());
  }

  /** Receives every change event; unregister the returned consumer to stop. */
  public MessageConsumer<JsonObject> events(Handler<ConnectionEvent> handler) {
    return eventBus.consumer(Addresses.EVENTS, message -> handler.handle(ConnectionEvent.fromJson(message.body())));
  }

  /** Sends any command body and returns the reply body, for callers that build JSON themselves. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return eventBus.<JsonObject>request(address, body, options).map(message -> message.body());
  }

  private static List<Long> longs(JsonArray array) {
    List<Long> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(array.getLong(i));
    }
    return out;
  }
}
