package dev.connstate.store;

/**
 * Every Redis key and channel connstate uses, under one configurable prefix (default
 * {@code sharpmush:}). The braces are Redis Cluster hash tags, so all keys of one handle share
 * a slot. See {@link HandleStore} for what each key holds.
 */
public final class RedisKeys {
  private final String prefix;

  public RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** {@code sharpmush:conn:{42}}: HASH of one live connection (v2). */
  public String connection(long handle) {
    return prefix + "conn:{" + handle + "}";
  }

  /** {@code sharpmush:conn:active}: SET of live handles (shared with v1). */
  public String active() {
    return prefix + "conn:active";
  }

  /** {@code sharpmush:player:{#5:1700000000000}}: SET of handles bound to that player. */
  public String player(String playerRef) {
    return prefix + "player:{" + playerRef + "}";
  }

  /** {@code sharpmush:conn:42}: STRING of one connection as v1 stored it (System.Text.Json). */
  public String legacyConnection(long handle) {
    return prefix + "conn:" + handle;
  }

  /** SCAN pattern that finds v1 keys (and more: callers keep only digits-only suffixes). */
  public String legacyPattern() {
    return prefix + "conn:*";
  }

  /** The handle of a v1 key, or -1 if the key is not one ({@code conn:active}, {@code conn:{42}} …). */
  public long legacyHandle(String key) {
    if (!key.startsWith(prefix + "conn:")) {
      return -1;
    }
    String rest = key.substring(prefix.length() + 5);
    if (rest.isEmpty() || rest.length() > 16 || !rest.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    return Long.parseLong(rest);
  }

  /** {@code sharpmush:conn:events}: PUB/SUB channel of change events. */
  public String eventsChannel() {
    return prefix + "conn:events";
  }
}
