package dev.connstate.model;

/**
 * Names of a connection's fields. The same names are used in the JSON clients see (DESIGN §3),
 * in the Redis hash (DESIGN §4) and in change events; metadata key {@code K} is the hash field
 * {@code meta:K} and the JSON member {@code metadata.K}.
 */
public final class Fields {
  public static final String HANDLE = "handle";
  public static final String STATE = "state";
  public static final String PLAYER_REF = "playerRef";
  public static final String IP_ADDRESS = "ipAddress";
  public static final String HOSTNAME = "hostname";
  public static final String CONNECTION_TYPE = "connectionType";
  public static final String OWNER = "owner";
  /** The client session a connection belongs to (DESIGN §7); absent if none. */
  public static final String SESSION = "session";
  public static final String CONNECTED_AT = "connectedAt";
  public static final String LAST_SEEN = "lastSeen";
  public static final String VERSION = "version";
  public static final String METADATA = "metadata";
  /** Every field of the hash but the metadata ones. */
  public static final java.util.List<String> FIXED = java.util.List.of(HANDLE, STATE, PLAYER_REF, IP_ADDRESS, HOSTNAME,
      CONNECTION_TYPE, OWNER, SESSION, CONNECTED_AT, LAST_SEEN, VERSION);
  /** Prefix of the hash field that holds one metadata key. */
  public static final String META_PREFIX = "meta:";

  private Fields() {
  }

  /** The hash field of metadata key {@code key}. */
  public static String meta(String key) {
    return META_PREFIX + key;
  }

  /** True if {@code field} is a metadata field ({@code meta:K}). */
  public static boolean isMeta(String field) {
    return field.startsWith(META_PREFIX);
  }

  /** The metadata key of hash field {@code meta:K}. */
  public static String metaKey(String field) {
    return field.substring(META_PREFIX.length());
  }
}
