package dev.connstate.client;

import io.vertx.core.json.JsonObject;

/**
 * A change of one connection, as {@link ConnStateClient#events} delivers it.
 *
 * <p>Most events are the sidecar's own (docs/protocol.md §8.1): {@code type} is one of
 * {@link #REGISTERED}, {@link #BOUND}, {@link #UNBOUND}, {@link #UPDATED}, {@link #DISCONNECTED},
 * {@link #EXPIRED}, {@code changes} holds what changed (removed fields and keys as null) and
 * {@link #resync()} is the sidecar's {@code "resync"} flag (§8.2a: one event covering changes
 * its Redis subscription missed).
 *
 * <p>Two types come from the client itself, when it noticed that events of a handle were missed
 * (a version gap, an unknown handle, the first event after a reconnect) and re-read the handle
 * with {@code get} (§8.3 rule 2):
 *
 * <ul>
 *   <li>{@link #REREAD}: {@link #snapshot()} is the connection as the sidecar holds it now; it
 *       replaces whatever copy the application keeps. {@code changes} is the whole connection's
 *       JSON, {@code version} its version, {@code origin} null, {@code at} its {@code lastSeen}.
 *   <li>{@link #GONE}: the re-read answered 404, the connection no longer exists: drop it.
 *       {@code snapshot} null, {@code changes} empty, {@code version} 0.
 * </ul>
 *
 * <p>{@link ConnStateClient#rawEvents} delivers the sidecar's events only, as they arrive.
 *
 * @param type what happened: one of the constants of this class
 * @param handle the connection's handle
 * @param version the connection's version after this change (1 for {@code registered})
 * @param changes the fields and metadata keys that changed (removed ones as null)
 * @param origin the instance id of the sidecar that published the change; null for a re-read
 * @param at Unix ms of the change
 * @param resync true for a sidecar's resync event (§8.2a)
 * @param snapshot the re-read connection for {@link #REREAD}, else null
 */
public record ConnectionEvent(String type, long handle, long version, JsonObject changes, String origin, long at,
                              boolean resync, Connection snapshot) {
  public static final String REGISTERED = "registered";
  public static final String BOUND = "bound";
  public static final String UNBOUND = "unbound";
  public static final String UPDATED = "updated";
  public static final String DISCONNECTED = "disconnected";
  public static final String EXPIRED = "expired";
  /** The client re-read the handle after missed events; {@link #snapshot()} is its state. */
  public static final String REREAD = "reread";
  /** The client re-read the handle after missed events and it no longer exists. */
  public static final String GONE = "gone";

  /** A sidecar event, not a resync. */
  public ConnectionEvent(String type, long handle, long version, JsonObject changes, String origin, long at) {
    this(type, handle, version, changes, origin, at, false, null);
  }

  /** Reads an event body of docs/protocol.md §8.1. */
  public static ConnectionEvent fromJson(JsonObject json) {
    return new ConnectionEvent(json.getString("type"), json.getLong("handle"), json.getLong("version"),
        json.getJsonObject("changes", new JsonObject()), json.getString("origin"), json.getLong("at", 0L),
        json.getBoolean("resync", false), null);
  }

  /** The event a re-read produced: the connection as found. */
  static ConnectionEvent rereadOf(Connection found, JsonObject json) {
    return new ConnectionEvent(REREAD, found.handle(), found.version(), json, null, found.lastSeen(), false, found);
  }

  /** The event a re-read produced when the handle was gone (404). */
  static ConnectionEvent goneOf(long handle) {
    return new ConnectionEvent(GONE, handle, 0, new JsonObject(), null, System.currentTimeMillis(), false, null);
  }

  /** True if the connection no longer exists after this event (disconnected, expired, gone). */
  public boolean removes() {
    return DISCONNECTED.equals(type) || EXPIRED.equals(type) || GONE.equals(type);
  }

  /** True if the client made this event by re-reading the handle ({@link #REREAD} or {@link #GONE}). */
  public boolean reread() {
    return REREAD.equals(type) || GONE.equals(type);
  }
}
