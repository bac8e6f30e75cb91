package dev.connstate.ingress.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON of a reply or event body straight into a buffer: the same text Jackson writes
 * (through {@link Json#encode}) for objects, arrays, strings, booleans, null and integers, without
 * a Jackson generator per frame — creating one cost more than the encoding itself for the small
 * bodies the bridge sends. Anything else (floating point, other types) goes to Jackson.
 */
final class JsonWriter {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  private JsonWriter() {
  }

  static Buffer append(Buffer out, Object value) {
    if (value == null) {
      out.appendString("null");
    } else if (value instanceof String s) {
      string(out, s);
    } else if (value instanceof JsonObject o) {
      object(out, o.getMap());
    } else if (value instanceof Map<?, ?> m) {
      object(out, m);
    } else if (value instanceof JsonArray a) {
      array(out, a.getList());
    } else if (value instanceof List<?> l) {
      array(out, l);
    } else if (value instanceof Boolean b) {
      out.appendString(b ? "true" : "false");
    } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      out.appendString(value.toString());
    } else {
      out.appendBuffer(Json.encodeToBuffer(value));
    }
    return out;
  }

  private static void object(Buffer out, Map<?, ?> map) {
    out.appendByte((byte) '{');
    boolean first = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!first) {
        out.appendByte((byte) ',');
      }
      first = false;
      string(out, String.valueOf(e.getKey()));
      out.appendByte((byte) ':');
      append(out, e.getValue());
    }
    out.appendByte((byte) '}');
  }

  private static void array(Buffer out, List<?> list) {
    out.appendByte((byte) '[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        out.appendByte((byte) ',');
      }
      append(out, list.get(i));
    }
    out.appendByte((byte) ']');
  }

  /** A JSON string: quotes, backslashes and control characters escaped as Jackson does; the rest as UTF-8. */
  static void string(Buffer out, String s) {
    out.appendByte((byte) '"');
    int plainFrom = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      if (i > plainFrom) {
        out.appendString(s.substring(plainFrom, i));
      }
      plainFrom = i + 1;
      switch (c) {
        case '"' -> out.appendString("\\\"");
        case '\\' -> out.appendString("\\\\");
        case '\n' -> out.appendString("\\n");
        case '\r' -> out.appendString("\\r");
        case '\t' -> out.appendString("\\t");
        case '\b' -> out.appendString("\\b");
        case '\f' -> out.appendString("\\f");
        default -> out.appendString("\\u00").appendByte(HEX[c >> 4]).appendByte(HEX[c & 0xF]);
      }
    }
    if (plainFrom == 0) {
      out.appendString(s);
    } else if (plainFrom < s.length()) {
      out.appendString(s.substring(plainFrom));
    }
    out.appendByte((byte) '"');
  }
}
