package dev.connstate.ingress;

import dev.connstate.config.Limits;
import dev.connstate.model.PlayerRef;
import dev.connstate.protocol.CommandFailure;
import io.vertx.core.json.EncodeException;
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
  /** Below this a double tells a fraction from an integer. */
  private static final double DOUBLE_EXACT = 1L << 52;
  private static final String HANDLE_EXPECTED = "expected an integer from 0 to " + MAX_HANDLE;
  /**
   * Every command may carry the client session (DESIGN §7): over the bridge it ties the socket
   * to the session.
   */
  static final String SESSION = "session";
  static final int MAX_SESSION_LENGTH = 128;
  static final String SESSION_EXPECTED = "a string of 1 to " + MAX_SESSION_LENGTH
      + " letters, digits or . _ : - (the client's session id, e.g. its boot id)";
  private static final java.util.regex.Pattern SESSION_ID = java.util.regex.Pattern.compile(
      "[A-Za-z0-9._:-]{1," + MAX_SESSION_LENGTH + "}");

  private final String address;
  private final JsonObject json;
  private final Limits limits;

  private RequestBody(String address, JsonObject json, Limits limits) {
    this.address = address;
    this.json = json;
    this.limits = limits;
  }

  /**
   * Wraps a body that must be a JSON object with only the {@code allowed} fields and, on any
   * command, a valid {@code session}.
   */
  static RequestBody of(String address, Object body, Limits limits, String... allowed) {
    if (body == null) {
      body = new JsonObject();
    }
    if (!(body instanceof JsonObject json)) {
      throw CommandFailure.badRequest("body", "expected a JSON object, got " + shown(body));
    }
    Set<String> known = Set.of(allowed);
    for (String field : json.fieldNames()) {
      if (!known.contains(field) && !SESSION.equals(field)) {
        List<String> fields = new ArrayList<>(Arrays.asList(allowed));
        fields.add(SESSION);
        throw CommandFailure.badRequest(field, "not a field of " + address + " (its fields: "
            + String.join(", ", fields) + ")");
      }
    }
    RequestBody wrapped = new RequestBody(address, json, limits);
    wrapped.session();
    return wrapped;
  }

  /** The client session the body carries, or null; a 400 if it is not a session id. */
  String session() {
    Object value = json.getValue(SESSION);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || !SESSION_ID.matcher(s).matches()) {
      throw CommandFailure.badRequest(SESSION, "expected " + SESSION_EXPECTED + ", got " + shown(value));
    }
    return s;
  }

  /**
   * The session a valid body sent to a connstate address carries, or null (also for anything
   * malformed: the parser answers that with its 400).
   */
  static String sessionOf(Object body) {
    return body instanceof JsonObject json && json.getValue(SESSION) instanceof String s
        && SESSION_ID.matcher(s).matches() ? s : null;
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
    Long handle = integral(value);
    if (handle == null || handle < 0 || handle > MAX_HANDLE) {
      throw CommandFailure.badRequest(field, HANDLE_EXPECTED + ", got " + shown(value));
    }
    return handle;
  }

  /**
   * A JSON number with an integral value, however the client wrote it ({@code 3}, {@code 3.0},
   * {@code 3e3}: Gson and C clients write these, DESIGN §8), within ±2^53 so that a double holds
   * it exactly; null for anything else (a fraction, a string, a number out of that range).
   */
  static Long integral(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger big) {
      return big.bitLength() <= 63 ? big.longValue() : null;
    }
    if (value instanceof Double || value instanceof Float) {
      // at 2^52 and above a double has no fraction bits: 4503599627370496.5 arrives as ...496.0,
      // so a number written with a fraction or an exponent is taken only below it
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < DOUBLE_EXACT ? (long) d : null;
    }
    if (value instanceof BigDecimal decimal) {
      try {
        return decimal.stripTrailingZeros().scale() <= 0 ? decimal.longValueExact() : null;
      } catch (ArithmeticException tooLarge) {
        return null;
      }
    }
    return null;
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
    requireWholeCharacters(field, s);
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
    Long number = integral(value);
    if (number == null || number < min || number > max) {
      throw CommandFailure.badRequest(field, "expected an integer from " + min + " to " + max + ", got " + shown(value));
    }
    return number.intValue();
  }

  PlayerRef playerRef(String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String s)) {
      throw CommandFailure.badRequest(field, (value == null ? "required, " : "") + PlayerRef.EXPECTED
          + (value == null ? "" : ", got " + shown(value)));
    }
    requireWholeCharacters(field, s);
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
      requireWholeCharacters(field, key);
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
      requireWholeCharacters(path, s);
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
    if (value instanceof String s && !s.isEmpty() && s.length() <= 16 && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return handleValue(field, Long.parseLong(s));
    }
    throw CommandFailure.badRequest(field, "expected the cursor string of a previous list reply, got " + shown(value));
  }

  /** Characters as a person counts them: code points, so an emoji is one, not two UTF-16 units. */
  private static int characters(String s) {
    return s.codePointCount(0, s.length());
  }

  /**
   * Refuses a lone UTF-16 surrogate (a JSON {@code \ud800} without its pair): UTF-8 cannot hold
   * it, so Redis would store {@code ?} while this sidecar holds the original — two keys in
   * memory where Redis has one (DESIGN §8).
   */
  static void requireWholeCharacters(String field, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw CommandFailure.badRequest(field, "a lone UTF-16 surrogate (\\u" + Integer.toHexString(c)
            + ") at character " + i + " is not a character: send whole characters (valid UTF-8)");
      }
    }
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
    String text;
    try {
      text = value instanceof Double || value instanceof Float || value instanceof BigDecimal
          ? value.toString() : Json.encode(value);
    } catch (EncodeException unwritable) {
      // nested deeper than Jackson writes (1 000 levels) or not a JSON type: only an in-process sender has one
      text = "a " + value.getClass().getSimpleName() + " that cannot be written as JSON";
    }
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }
}
