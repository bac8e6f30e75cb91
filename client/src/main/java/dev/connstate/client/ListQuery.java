package dev.connstate.client;

import io.vertx.core.json.JsonObject;

/**
 * A list request; every member is optional.
 *
 * @param state Connected or LoggedIn, or null for both
 * @param owner only connections with this owner, or null
 * @param cursor the cursor of the previous page, or null for the first
 * @param limit page size, or null for the default (1000)
 */
public record ListQuery(String state, String owner, String cursor, Integer limit) {
  /** Every connection, first page. */
  public static ListQuery all() {
    return new ListQuery(null, null, null, null);
  }

  public ListQuery withCursor(String next) {
    return new ListQuery(state, owner, next, limit);
  }

  /** The body of {@code connstate.list} (docs/protocol.md §6.8), for callers of {@code request}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (state != null) {
      json.put("state", state);
    }
    if (owner != null) {
      json.put("owner", owner);
    }
    if (cursor != null) {
      json.put("cursor", cursor);
    }
    if (limit != null) {
      json.put("limit", limit);
    }
    return json;
  }
}
