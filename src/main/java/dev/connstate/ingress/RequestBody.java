package dev.connstate.ingress;

import dev.connstate.config.Limits;
import dev.connstate.model.PlayerRef;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, validated access to one request body. Every rejection is a 400 whose message names
 * the field, what was expected and what was sent; unknown fields are rejected too, so a typo
 * is never silently ignored.
 */
final class RequestBody {
  /** Largest handle: every JSON client can hold it exactly (2^53 - 1). */
  static final long MAX_HANDLE = (1L << 53) - 1;
  private static final String HANDLE_EXPECTED = "expected an integer from 0 to " + MAX_HANDLE;

  private final String address;
  private final JsonObject json;
  private final Limits limits;

  private RequestBody(String address, JsonObject json, Limits limits) {
    this.address = address;
    this.json = json;
    this.limits = limits;
  }

  /** Wraps a body that must be a JSON object with only the {@code allowed} fields. */
  static RequestBody of(String address, Object body, Limits limits, String... allowed) {
    if (body == null) {
      body = new JsonObject();
    }
    if (!(body instanceof JsonObject json)) {
      throw CommandFailure.badRequest("body", "expected a JSON object, got " + shown(body));
    }
    Set<String> known = Set.of(allowed);
    for (String field : json.fieldNames()) {
      if (!known.contains(field)) {
        throw CommandFailure.badRequest(field, "not a field of " + address + " (its fields: "
            + String.join(", ", Arrays.asList(allowed)) + ")");
      }
    }
    return new RequestBody(address, json, limits);
  }

  boolean has(String field) {
    return json.getValue(field) != null;
  }

  long handle(String field) {
    return handleValue(field, json.getValue(field));
  }

  static long handleValue(String field, Object value) {
    if (value == null) {
      throw CommandFailure.badRequest(field, "required, " + HANDLE_EXPECTED);
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger)) {
      throw CommandFailure.badRequest(field, HANDLE_EXPECTED + ", got " + shown(value));
    }
    if (value instanceof BigInteger big && big.bitLength() > 63) {
      throw CommandFailure.badRequest(field, HANDLE_EXPECTED + ", got " + big);
    }
    long handle = ((Number) value).longValue();
    if (handle < 0 || handle > MAX_HANDLE) {
      throw CommandFailure.badRequest(field, HANDLE_EXPECTED + ", got " + handle);
    }
    return handle;
  }

  List<Long> handles(String field, int max) {
    Object value = json.getValue(field);
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > max) {
      throw CommandFailure.badRequest(field, "expected an array of 1 to " + max + " handles, got " + shown(value));
    }
    Set<Long> handles = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      handles.add(handleValue(field + "[" + i + "]", array.getValue(i)));
    }
    return new ArrayList<>(handles);
  }

  /** A required string of 1 to {@code limits.maxFieldLength()} characters without control characters. */
  String text(String field) {
    String value = optionalText(field);
    if (value == null) {
      throw CommandFailure.badRequest(field, "required, a non-empty string");
    }
    return value;
  }

  String optionalText(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    int max = limits.maxFieldLength();
    if (!(value instanceof String s) || s.isEmpty() || characters(s) > max || hasControl(s)) {
      throw CommandFailure.badRequest(field, "expected a string of 1 to " + max
          + " characters without control characters, got " + shown(value));
    }
    return s;
  }

  boolean flag(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw CommandFailure.badRequest(field, "expected true or false, got " + shown(value));
    }
    return b;
  }

  int integer(String field, int min, int max, int otherwise) {
    Object value = json.getValue(field);
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      throw CommandFailure.badRequest(field, "expected an integer from " + min + " to " + max + ", got " + shown(value));
    }
    return ((Number) value).intValue();
  }

  PlayerRef playerRef(String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String s)) {
      throw CommandFailure.badRequest(field, (value == null ? "required, " : "") + PlayerRef.EXPECTED
          + (value == null ? "" : ", got " + shown(value)));
    }
    try {
      return PlayerRef.parse(s);
    } catch (IllegalArgumentException e) {
      throw CommandFailure.badRequest(field, "expected " + e.getMessage() + ", got " + shown(value));
    }
  }

  /**
   * Metadata: an object of 0 (or 1, if {@code required}) to {@code maxKeysPerUpdate} keys;
   * keys of 1 to {@code maxKeyLength} characters without control characters; values strings of
   * at most {@code maxValueBytes} UTF-8 bytes, or null where {@code nullRemoves}.
   */
  Map<String, String> metadata(String field, boolean required, boolean nullRemoves) {
    Object value = json.getValue(field);
    if (value == null && !required) {
      return Map.of();
    }
    int maxKeys = limits.maxKeysPerUpdate();
    if (!(value instanceof JsonObject object) || object.size() > maxKeys || required && object.isEmpty()) {
      throw CommandFailure.badRequest(field, "expected an object of " + (required ? 1 : 0) + " to " + maxKeys
          + " keys, got " + shown(value));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object) {
      String key = e.getKey();
      if (key.isEmpty() || characters(key) > limits.maxKeyLength() || hasControl(key)) {
        throw CommandFailure.badRequest(field, "keys must be 1 to " + limits.maxKeyLength()
            + " characters without control characters, got " + shown(key));
      }
      Object v = e.getValue();
      if (v == null && nullRemoves) {
        out.put(key, null);
        continue;
      }
      String path = field + "." + key;
      if (!(v instanceof String s)) {
        throw CommandFailure.badRequest(path, "expected a string" + (nullRemoves ? " or null" : "")
            + ", got " + shown(v));
      }
      int bytes = s.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > limits.maxValueBytes()) {
        throw CommandFailure.badRequest(path, "expected at most " + limits.maxValueBytes() + " bytes (UTF-8), got "
            + bytes);
      }
      out.put(key, s);
    }
    return out;
  }

  /** A string naming a cursor: the digits of a handle. */
  long cursor(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return -1;
    }
    if (value instanceof String s && !s.isEmpty() && s.length() <= 16 && s.chars().allMatch(Character::isDigit)) {
      return handleValue(field, Long.parseLong(s));
    }
    throw CommandFailure.badRequest(field, "expected the cursor string of a previous list reply, got " + shown(value));
  }

  /** Characters as a person counts them: code points, so an emoji is one, not two UTF-16 units. */
  private static int characters(String s) {
    return s.codePointCount(0, s.length());
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** A short rendering of what the client sent, for error messages. */
  static String shown(Object value) {
    if (value == null) {
      return "null";
    }
    String text = value instanceof Double || value instanceof Float || value instanceof BigDecimal
        ? value.toString() : Json.encode(value);
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }
}
