package dev.connstate.cli.people;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** How a connection (its JSON, DESIGN §3) is shown to people. */
final class Connections {
  static final String[] COLUMNS = {"HANDLE", "STATE", "PLAYER", "OWNER", "ADDRESS", "TYPE", "CONNECTED", "LAST SEEN",
      "VERSION"};

  private Connections() {
  }

  static Table table() {
    return new Table(COLUMNS);
  }

  static void add(Table table, JsonObject c) {
    table.row(c.getLong("handle"), c.getString("state"), c.getString("playerRef"), c.getString("owner"),
        c.getString("ipAddress"), c.getString("connectionType"), time(c.getLong("connectedAt")),
        time(c.getLong("lastSeen")), c.getLong("version"));
  }

  /** Every field of one connection, one per line, metadata last. */
  static Table details(JsonObject c) {
    Table table = new Table("FIELD", "VALUE");
    for (String field : c.fieldNames()) {
      Object value = c.getValue(field);
      if (!"metadata".equals(field) && !"created".equals(field)) {
        table.row(field, "connectedAt".equals(field) || "lastSeen".equals(field) ? value + " (" + time((Long) value)
            + ")" : value);
      }
    }
    JsonObject metadata = c.getJsonObject("metadata", new JsonObject());
    metadata.fieldNames().stream().sorted().forEach(key -> table.row("metadata." + key, metadata.getValue(key)));
    return table;
  }

  static String time(Long epochMs) {
    return epochMs == null ? null : Instant.ofEpochMilli(epochMs).toString();
  }
}
