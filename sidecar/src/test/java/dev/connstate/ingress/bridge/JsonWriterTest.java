package dev.connstate.ingress.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bridge's own JSON writer writes exactly what Jackson writes, byte for byte. */
@DisplayName("JsonWriter")
class JsonWriterTest {

  private static void sameAsJackson(Object value) {
    String ours = JsonWriter.append(Buffer.buffer(), value).toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(ours).isEqualTo(Json.encode(value));
  }

  @Test
  @DisplayName("replies and events: nested objects, arrays, numbers, booleans, null")
  void bodies() {
    sameAsJackson(new JsonObject().put("handle", 9007199254740991L).put("persisted", false).put("version", 7));
    sameAsJackson(new JsonObject().put("type", "updated").put("handle", 42).put("changes",
        new JsonObject().put("metadata", new JsonObject().put("WIDTH", "120").put("GONE", (String) null)))
        .put("list", new JsonArray().add(1).add("two").add(true).add(new JsonArray()).add(new JsonObject())));
    sameAsJackson(new JsonObject().put("ratio", 0.5).put("big", 1e300).put("at", Instant.ofEpochMilli(1_770_999_357_123L))
        .put("bytes", new byte[] {1, 2, 3}));
  }

  @Test
  @DisplayName("strings: quotes, backslashes, every control character, non-ASCII and emoji")
  void strings() {
    StringBuilder controls = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      controls.append(c);
    }
    for (String s : new String[] {"", "plain", "a\"b\\c/d", controls.toString(), "\u007f", "Käse — 東京 😀",
        "end\n", "\tstart", "mixed \u0001 and \"quoted\" text"}) {
      sameAsJackson(s);
      sameAsJackson(new JsonObject().put(s, s));
    }
  }
}
