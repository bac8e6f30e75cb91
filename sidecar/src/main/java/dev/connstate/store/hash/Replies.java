package dev.connstate.store.hash;

import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads Redis replies into Java values, for RESP2 and RESP3 alike. */
final class Replies {
  private Replies() {
  }

  /** A hash reply (RESP3 map, or RESP2 / Lua flat array of field, value) as a map; empty if null. */
  static Map<String, String> hash(Response reply) {
    if (reply == null) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>(Math.max(16, reply.size() * 2));
    if (reply.isMap()) {
      for (String key : reply.getKeys()) {
        out.put(key, reply.get(key).toString());
      }
    } else {
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        out.put(reply.get(i).toString(), reply.get(i + 1).toString());
      }
    }
    return out;
  }

  /**
   * A hash as {@code read.lua} packs it into one string: per field and per value its length in
   * bytes, a colon and its bytes (UTF-8).
   *
   * @throws IllegalArgumentException if the text is not in that form
   */
  static Map<String, String> packedHash(Response reply) {
    byte[] bytes = reply.toBytes();
    Map<String, String> out = new HashMap<>(32);
    int at = 0;
    String field = null;
    while (at < bytes.length) {
      int length = 0;
      int digits = 0;
      while (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9' && digits < 10) {
        length = length * 10 + (bytes[at++] - '0');
        digits++;
      }
      if (digits == 0 || at >= bytes.length || bytes[at] != ':' || bytes.length - at - 1 < length) {
        throw new IllegalArgumentException("a packed hash from read.lua is cut or malformed at byte " + at);
      }
      String text = new String(bytes, at + 1, length, StandardCharsets.UTF_8);
      at += 1 + length;
      if (field == null) {
        field = text;
      } else {
        out.put(field, text);
        field = null;
      }
    }
    if (field != null) {
      throw new IllegalArgumentException("a packed hash from read.lua ends with a field without a value");
    }
    return out;
  }

  /** True for a null or empty reply (a hash that does not exist), without reading its elements. */
  static boolean isEmpty(Response reply) {
    return reply == null || reply.type() == ResponseType.MULTI && reply.size() == 0;
  }

  /** Element {@code i} of an array reply as a long, or 0 when absent or null. */
  static long number(Response reply, int i) {
    Response element = i < reply.size() ? reply.get(i) : null;
    return element == null ? 0 : element.toLong();
  }

  /** Element {@code i} of an array reply as a string, or null when absent or null. */
  static String text(Response reply, int i) {
    Response element = i < reply.size() ? reply.get(i) : null;
    return element == null ? null : element.toString();
  }
}
