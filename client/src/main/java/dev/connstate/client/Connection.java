package dev.connstate.client;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection as the sidecar reports it (DESIGN §3). Immutable.
 *
 * @param playerRef the bound player, or null when unbound
 * @param owner the sidecar instance (or client-given owner) that registered it
 * @param session the client session it was registered in (DESIGN §7), or null
 * @param connectedAt Unix ms
 * @param lastSeen Unix ms of the last command that changed it
 * @param version incremented by each stored change
 */
public record Connection(long handle, String state, String playerRef, String ipAddress, String hostname,
                         String connectionType, String owner, String session, long connectedAt, long lastSeen, long version,
                         Map<String, String> metadata) {

  /** Reads the JSON of DESIGN §3; fails on a missing required member. */
  public static Connection fromJson(JsonObject json) {
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonObject meta = json.getJsonObject("metadata", new JsonObject());
    meta.forEach(e -> metadata.put(e.getKey(), (String) e.getValue()));
    return new Connection(
        required(json, "handle").longValue(),
        json.getString("state"),
        json.getString("playerRef"),
        json.getString("ipAddress"),
        json.getString("hostname"),
        json.getString("connectionType"),
        json.getString("owner"),
        json.getString("session"),
        required(json, "connectedAt").longValue(),
        required(json, "lastSeen").longValue(),
        required(json, "version").longValue(),
        Map.copyOf(metadata));
  }

  private static Number required(JsonObject json, String member) {
    Number n = json.getNumber(member);
    if (n == null) {
      throw new IllegalArgumentException("connection JSON lacks " + member + ": " + json.encode());
    }
    return n;
  }

  /** True if the connection is bound to a player. */
  public boolean loggedIn() {
    return "LoggedIn".equals(state);
  }
}
