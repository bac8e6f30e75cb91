package dev.connstate.client;

import io.vertx.core.json.JsonObject;

/**
 * A change event from {@code connstate.events} (DESIGN §2). A subscriber that sees a version
 * gap for a handle should re-read it with {@code get}.
 *
 * @param type registered, bound, unbound, updated, disconnected or expired
 * @param changes the fields and metadata keys that changed (removed ones as null)
 * @param origin the instance id of the sidecar that stored the change
 * @param at Unix ms of the change
 */
public record ConnectionEvent(String type, long handle, long version, JsonObject changes, String origin, long at) {

  public static ConnectionEvent fromJson(JsonObject json) {
    return new ConnectionEvent(json.getString("type"), json.getLong("handle"), json.getLong("version"),
        json.getJsonObject("changes"), json.getString("origin"), json.getLong("at"));
  }
}
