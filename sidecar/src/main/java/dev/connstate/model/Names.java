package dev.connstate.model;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared instance per distinct metadata key and per low-variety value (connection type,
 * owner): a hundred thousand connections then hold references to a few dozen strings instead of
 * a million copies. Bounded, so that a client inventing keys cannot grow it without limit:
 * once full, strings are kept as they are. Thread-safe: every shard uses it.
 */
public final class Names {
  static final int MAX_ENTRIES = 10_000;
  private static final ConcurrentHashMap<String, String> POOL = new ConcurrentHashMap<>();

  static {
    for (String key : new String[] {SharpMushKeys.CONNECTION_START_TIME, SharpMushKeys.LAST_CONNECTION_SIGNAL,
        SharpMushKeys.INTERNET_PROTOCOL_ADDRESS, SharpMushKeys.HOST_NAME, SharpMushKeys.CONNECTION_TYPE}) {
      POOL.put(key, key);
    }
  }

  private Names() {
  }

  /** The shared instance equal to {@code s} (null for null). */
  public static String canonical(String s) {
    if (s == null) {
      return null;
    }
    String shared = POOL.get(s);
    if (shared != null) {
      return shared;
    }
    if (POOL.size() >= MAX_ENTRIES) {
      return s;
    }
    shared = POOL.putIfAbsent(s, s);
    return shared == null ? s : shared;
  }
}
