package dev.connstate.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every Redis key and channel connstate uses, each pattern defined here once, under one
 * configurable prefix (default {@code sharpmush:}). The braces are Redis Cluster hash tags, so
 * all keys of one handle share a slot. The Lua scripts do not spell any pattern themselves:
 * they receive these as constants ({@link #luaConstants}). See
 * {@code store.hash.HashStore} for what each key holds.
 */
public final class RedisKeys {
  // each pattern as the text before and after its variable part
  private static final String CONNECTION_HEAD = "conn:{";
  private static final String CONNECTION_TAIL = "}";
  private static final String TOMBSTONE_SUFFIX = ":gone";
  private static final String LEGACY_HEAD = "conn:";
  private static final String PLAYER_HEAD = "player:{";
  private static final String PLAYER_TAIL = "}";
  private static final String ACTIVE = "conn:active";
  private static final String EVENTS = "conn:events";
  private static final String LEASE_HEAD = "lease:{";
  private static final String LEASE_TAIL = "}";
  private static final String OWNERS = "owners";
  private static final String OWNER_HEAD = "owner:{";
  private static final String OWNER_TAIL = "}";

  private final String prefix;

  public RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** {@code sharpmush:conn:{42}}: HASH of one live connection (v2). */
  public String connection(long handle) {
    return prefix + CONNECTION_HEAD + handle + CONNECTION_TAIL;
  }

  /**
   * {@code sharpmush:conn:{42}:gone}: STRING, Redis Cluster only — the player a disconnected
   * connection was bound to, for a few minutes, so that a retried disconnect (its first attempt
   * answered 503 after the hash was gone) can still remove the player's index entry.
   */
  public String tombstone(long handle) {
    return connection(handle) + TOMBSTONE_SUFFIX;
  }

  /** SCAN pattern of the v2 hashes ({@code sharpmush:conn:{*}}). */
  public String connectionPattern() {
    return prefix + CONNECTION_HEAD + "*" + CONNECTION_TAIL;
  }

  /** The handle of a v2 hash key, or -1 if the key is not one. */
  public long connectionHandle(String key) {
    String head = prefix + CONNECTION_HEAD;
    if (!key.startsWith(head) || !key.endsWith(CONNECTION_TAIL)) {
      return -1;
    }
    return digits(key.substring(head.length(), key.length() - CONNECTION_TAIL.length()));
  }

  /** {@code sharpmush:conn:active}: SET of live handles (shared with v1). */
  public String active() {
    return prefix + ACTIVE;
  }

  /** {@code sharpmush:player:{#5:1700000000000}}: SET of handles bound to that player. */
  public String player(String playerRef) {
    return prefix + PLAYER_HEAD + playerRef + PLAYER_TAIL;
  }

  /** {@code sharpmush:conn:42}: STRING of one connection as v1 stored it (System.Text.Json). */
  public String legacyConnection(long handle) {
    return prefix + LEGACY_HEAD + handle;
  }

  /** SCAN pattern that finds v1 keys (and more: callers keep only digits-only suffixes). */
  public String legacyPattern() {
    return prefix + LEGACY_HEAD + "*";
  }

  /** The handle of a v1 key, or -1 if the key is not one ({@code conn:active}, {@code conn:{42}} …). */
  public long legacyHandle(String key) {
    String head = prefix + LEGACY_HEAD;
    if (!key.startsWith(head)) {
      return -1;
    }
    return digits(key.substring(head.length()));
  }

  private static long digits(String text) {
    if (text.isEmpty() || text.length() > 16 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    return Long.parseLong(text);
  }

  /** {@code sharpmush:lease:{sidecar-a}}: STRING, the owner lease of a sidecar: its epoch, PX leaseTtlMs (DESIGN §7). */
  public String lease(String instanceId) {
    return prefix + LEASE_HEAD + instanceId + LEASE_TAIL;
  }

  /** {@code sharpmush:lease-epoch:{sidecar-a}}: counter of a sidecar's epochs (same slot as its lease). */
  public String leaseEpoch(String instanceId) {
    return prefix + "lease-epoch:{" + instanceId + LEASE_TAIL;
  }

  /** {@code sharpmush:owners}: SET of the instance ids that own connections. */
  public String owners() {
    return prefix + OWNERS;
  }

  /** {@code sharpmush:owner:{sidecar-a}}: SET of the handles a sidecar owns. */
  public String owner(String instanceId) {
    return prefix + OWNER_HEAD + instanceId + OWNER_TAIL;
  }

  /** {@code sharpmush:reap:{sidecar-a}}: STRING, which sidecar is reaping a dead owner's connections. */
  public String reap(String instanceId) {
    return prefix + "reap:{" + instanceId + LEASE_TAIL;
  }

  /** {@code sharpmush:conn:events}: PUB/SUB channel of change events. */
  public String eventsChannel() {
    return prefix + EVENTS;
  }

  /**
   * The key patterns as constants for a Lua script ({@link Scripts#fill}): {@code CONNECTION_HEAD}
   * and {@code CONNECTION_TAIL} around a handle, {@code LEGACY_HEAD} before one,
   * {@code PLAYER_HEAD} and {@code PLAYER_TAIL} around a player reference, {@code ACTIVE_KEY},
   * {@code EVENTS_CHANNEL}.
   */
  public Map<String, String> luaConstants() {
    Map<String, String> constants = new LinkedHashMap<>();
    constants.put("CONNECTION_HEAD", prefix + CONNECTION_HEAD);
    constants.put("CONNECTION_TAIL", CONNECTION_TAIL);
    constants.put("TOMBSTONE_SUFFIX", TOMBSTONE_SUFFIX);
    constants.put("LEGACY_HEAD", prefix + LEGACY_HEAD);
    constants.put("PLAYER_HEAD", prefix + PLAYER_HEAD);
    constants.put("PLAYER_TAIL", PLAYER_TAIL);
    constants.put("ACTIVE_KEY", active());
    constants.put("OWNERS_KEY", owners());
    constants.put("OWNER_HEAD", prefix + OWNER_HEAD);
    constants.put("OWNER_TAIL", OWNER_TAIL);
    constants.put("LEASE_HEAD", prefix + LEASE_HEAD);
    constants.put("LEASE_TAIL", LEASE_TAIL);
    constants.put("EVENTS_CHANNEL", eventsChannel());
    return constants;
  }
}
