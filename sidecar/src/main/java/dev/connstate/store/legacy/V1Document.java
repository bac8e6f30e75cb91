package dev.connstate.store.legacy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.model.PlayerRef;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * One v1 document being read, with typed, strict accessors. Every failure is a
 * {@link MalformedRecordException} that names the handle, the property and what was found, so
 * that {@code migrate} can report a bad key and leave it untouched.
 */
final class V1Document {
  /**
   * Jackson with its defaults: standard JSON only. Vert.x's own codec allows comments, which
   * System.Text.Json's default reader refuses; so does this one.
   */
  private static final JsonFactory STRICT_JSON = new JsonFactory();
  /** Longest piece of a stored value quoted in an error message. */
  private static final int MAX_QUOTED = 64;

  private final long handle;
  private final JsonObject json;

  private V1Document(long handle, JsonObject json) {
    this.handle = handle;
    this.json = json;
  }

  /** Parses {@code text}, which must be exactly one JSON object. */
  static V1Document read(long handle, String text) {
    if (text.isBlank()) {
      throw new MalformedRecordException("handle " + handle + ": the v1 record is empty");
    }
    Object root;
    try {
      // fromParser builds Vert.x's JSON types and refuses anything after the root value
      root = JacksonCodec.fromParser(STRICT_JSON.createParser(text), Object.class);
    } catch (DecodeException | IOException e) {
      throw new MalformedRecordException("handle " + handle + ": the v1 record is not valid JSON: " + reason(e));
    }
    if (!(root instanceof JsonObject object)) {
      throw new MalformedRecordException("handle " + handle + ": the v1 record is " + describe(root)
          + ", not a JSON object");
    }
    return new V1Document(handle, object);
  }

  /** A required integer property that fits a .NET {@code long}. */
  long integer(String name) {
    Object value = required(name);
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    throw wrongType(name, "an integer", value);
  }

  /** A required string property (JSON null is refused). */
  String string(String name) {
    Object value = required(name);
    if (value instanceof String s) {
      return wellFormed(name, s);
    }
    throw wrongType(name, "a string", value);
  }

  /** A required state, by its exact wire name. */
  String state(String name) {
    String wire = string(name);
    try {
      return ConnectionState.fromWire(wire).wire();
    } catch (IllegalArgumentException e) {
      throw malformed("property " + name + ": " + e.getMessage());
    }
  }

  /** A required DateTimeOffset, as Unix milliseconds. */
  long timestamp(String name) {
    String text = string(name);
    try {
      return DotNetTimestamps.parseMillis(text);
    } catch (IllegalArgumentException e) {
      throw malformed("property " + name + " holds " + describe(text) + ": " + e.getMessage());
    }
  }

  /**
   * The player reference {@code #N} or {@code #N:creationMillis}, or null when the property is
   * null or absent (both mean "not logged in").
   */
  String playerRef(String name, String numberName, String creationName) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject ref)) {
      throw wrongType(name, "null or an object {" + numberName + ", " + creationName + "}", value);
    }
    Object number = ref.getValue(numberName);
    if (!(number instanceof Integer)) {
      throw wrongType(name + "." + numberName, "a 32-bit integer", memberOf(ref, numberName));
    }
    Object created = ref.getValue(creationName);
    if (created != null && !(created instanceof Integer || created instanceof Long)) {
      throw wrongType(name + "." + creationName, "null or an integer", created);
    }
    String text = created == null ? "#" + number : "#" + number + ":" + created;
    try {
      return PlayerRef.parse(text).toString();
    } catch (IllegalArgumentException e) {
      throw malformed("property " + name + " is " + text + ", not " + e.getMessage());
    }
  }

  /** A required object whose every value is a string. */
  Map<String, String> metadata(String name) {
    Object value = required(name);
    if (!(value instanceof JsonObject object)) {
      throw wrongType(name, "an object of string values", value);
    }
    Map<String, String> metadata = new HashMap<>(object.size() * 2);
    for (Map.Entry<String, Object> entry : object) {
      String key = wellFormed(name + " key", entry.getKey());
      if (!(entry.getValue() instanceof String s)) {
        throw wrongType(name + "[" + quote(key) + "]", "a string", entry.getValue());
      }
      int at = loneSurrogate(s);
      if (at >= 0) {
        throw malformed(name + "[" + quote(key) + "] holds an unpaired UTF-16 surrogate at index " + at);
      }
      metadata.put(key, s);
    }
    return metadata;
  }

  MalformedRecordException malformed(String problem) {
    return new MalformedRecordException("handle " + handle + ": " + problem);
  }

  private Object required(String name) {
    if (!json.containsKey(name)) {
      throw malformed("the v1 record lacks property " + name);
    }
    Object value = json.getValue(name);
    if (value == null) {
      throw malformed("property " + name + " is null");
    }
    return value;
  }

  /**
   * System.Text.Json refuses to read a string holding an unpaired surrogate (which Jackson would
   * let through), and v1 never wrote one: the encoder substitutes U+FFFD.
   */
  private String wellFormed(String what, String s) {
    int at = loneSurrogate(s);
    if (at >= 0) {
      throw malformed(what + " holds an unpaired UTF-16 surrogate at index " + at);
    }
    return s;
  }

  /** The index of the first unpaired surrogate in {@code s}, or -1. */
  private static int loneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private MalformedRecordException wrongType(String name, String expected, Object found) {
    return malformed("property " + name + " must be " + expected + ", got " + describe(found));
  }

  private static Object memberOf(JsonObject object, String name) {
    return object.containsKey(name) ? object.getValue(name) : Absent.INSTANCE;
  }

  /** Says what a JSON value is, quoting (escaped, shortened) strings. */
  private static String describe(Object value) {
    if (value == null) {
      return "null";
    } else if (value == Absent.INSTANCE) {
      return "nothing (the property is missing)";
    } else if (value instanceof String s) {
      return "the string " + quote(s);
    } else if (value instanceof Number n) {
      return "the number " + n;
    } else if (value instanceof JsonObject) {
      return "an object";
    } else if (value instanceof JsonArray) {
      return "an array";
    }
    return value.toString();
  }

  /** {@code s} quoted and shortened, controls and surrogates in hex, so a message stays one readable line. */
  private static String quote(String s) {
    String shown = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "…" : s;
    StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
    shown.codePoints().forEach(c -> {
      if (c == '"' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (Character.isISOControl(c) || Character.getType(c) == Character.SURROGATE) {
        out.append(String.format("\\u%04X", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.append('"').toString();
  }

  private static String reason(Exception e) {
    if (e.getCause() instanceof JsonProcessingException cause) {
      e = cause;
    }
    if (e instanceof JsonProcessingException json) {
      String message = json.getOriginalMessage().lines().findFirst().orElse("");
      return json.getLocation() == null ? message
          : message + " (at character " + (json.getLocation().getCharOffset() + 1) + ")";
    }
    return e.getMessage();
  }

  /** Marks a property that is not there, as opposed to one that holds null. */
  private enum Absent {
    INSTANCE
  }
}
