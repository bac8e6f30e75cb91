package dev.connstate.testing;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a v1 reader (SharpMUSH's System.Text.Json deserialisation of ConnectionStateData) sees a
 * v1 document, written here independently of the sidecar's own codec: PascalCase properties,
 * PlayerRef as {Number, CreationMilliseconds}, DateTimeOffset timestamps, a string dictionary.
 */
public record V1Reader(long handle, String playerRef, String state, String ipAddress, String hostname,
                       String connectionType, long connectedAt, long lastSeen, Map<String, String> metadata) {

  public static V1Reader read(String json) {
    JsonObject doc = new JsonObject(json);
    JsonObject ref = doc.getJsonObject("PlayerRef");
    String playerRef = ref == null ? null : "#" + ref.getInteger("Number")
        + (ref.getLong("CreationMilliseconds") == null ? "" : ":" + ref.getLong("CreationMilliseconds"));
    Map<String, String> metadata = new TreeMap<>();
    doc.getJsonObject("Metadata").forEach(e -> metadata.put(e.getKey(), (String) e.getValue()));
    return new V1Reader(doc.getLong("Handle"), playerRef, doc.getString("State"), doc.getString("IpAddress"),
        doc.getString("Hostname"), doc.getString("ConnectionType"), millis(doc.getString("ConnectedAt")),
        millis(doc.getString("LastSeen")), metadata);
  }

  private static long millis(String dateTimeOffset) {
    return OffsetDateTime.parse(dateTimeOffset).toInstant().toEpochMilli();
  }
}
