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

  /** {@code sharpmush:conn:events}: PUB/SUB channel of change events. */
  public String eventsChannel() {
    return prefix + "conn:events";
  }
}
