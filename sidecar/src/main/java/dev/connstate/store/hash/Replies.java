package dev.connstate.store.hash;

import io.vertx.redis.client.Response;
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

  /** True for a null or empty reply (a hash that does not exist), without reading its elements. */
  static boolean isEmpty(Response reply) {
    return reply == null || reply.size() == 0;
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
