package dev.connstate.protocol;

import dev.connstate.model.PlayerRef;
import dev.connstate.model.SharpMushKeys;
import java.util.List;
import java.util.Map;

/**
 * A validated command (DESIGN §2). Ingress turns each request body into one of these or a
 * 400; nothing malformed reaches a shard.
 */
public sealed interface Command {

  /** A command about exactly one handle, executed in order on that handle's shard. */
  sealed interface ForHandle extends Command {
    long handle();
  }

  /**
   * Create a connection (idempotent). {@code metadata} is what the client sent; the shard adds
   * the SharpMUSH keys it lacks. {@code owner} null means this sidecar's instance id;
   * {@code session} is the client session (DESIGN §7), or null.
   */
  record Register(long handle, String ipAddress, String hostname, String connectionType, String owner,
                  String session, Map<String, String> metadata) implements ForHandle {
    /** The metadata to store: the five SharpMUSH keys (DESIGN §2), unless the client sent them. */
    public Map<String, String> metadataWithDefaults(long now) {
      Map<String, String> all = new java.util.LinkedHashMap<>();
      all.put(SharpMushKeys.CONNECTION_START_TIME, Long.toString(now));
      all.put(SharpMushKeys.LAST_CONNECTION_SIGNAL, Long.toString(now));
      all.put(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS, ipAddress);
      all.put(SharpMushKeys.HOST_NAME, hostname);
      all.put(SharpMushKeys.CONNECTION_TYPE, connectionType);
      all.putAll(metadata);
      return all;
    }
  }

  /** Bind to a player. */
  record Bind(long handle, PlayerRef playerRef) implements ForHandle {
  }

  /** Unbind from the player. */
  record Unbind(long handle) implements ForHandle {
  }

  /** Set metadata keys (null values remove). {@code critical}: acknowledge only once stored. */
  record Update(long handle, Map<String, String> metadata, boolean critical) implements ForHandle {
  }

  /** Set LastConnectionSignal to now. */
  record Touch(long handle) implements ForHandle {
  }

  /** Remove the connection (idempotent). */
  record Disconnect(long handle, String reason) implements ForHandle {
  }

  /** Read one connection. */
  record Get(long handle) implements ForHandle {
  }

  /** Touch several handles; unknown ones are reported, not failed. */
  record TouchMany(List<Long> handles) implements Command {
  }

  /**
   * Page through connections in handle order.
   *
   * @param state only this state, or null
   * @param owner only this owner, or null
   * @param after only handles greater than this (the cursor), or -1
   * @param limit page size
   */
  record ListConnections(String state, String owner, long after, int limit) implements Command {
  }

  /** Handles bound to a player: {@code #N} selects any creation time. */
  record ByPlayer(PlayerRef playerRef) implements Command {
  }

  /** Counts by state, pending writes, Redis status. */
  record Stats() implements Command {
  }

  /**
   * How many connections of a client session this sidecar owns (DESIGN §7). Sent over the
   * bridge, it also ties the socket to the session, as any command carrying {@code session} does.
   */
  record Session(String session) implements Command {
  }
}
