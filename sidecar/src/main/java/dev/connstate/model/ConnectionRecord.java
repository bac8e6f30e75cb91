package dev.connstate.model;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's mutable copy of one connection. Only the shard that owns the handle touches
 * it, so it needs no locking. It converts to the JSON clients see (DESIGN §3) and to and from
 * the v2 Redis hash (DESIGN §4); reading a hash fails loudly on a missing or malformed field
 * rather than inventing a value.
 */
public final class ConnectionRecord {
  private final long handle;
  private ConnectionState state;
  private String playerRef;
  /**
   * {@link #IN_METADATA} while equal to the metadata value that register copied it to
   * ({@code InternetProtocolAddress}, {@code HostName}): held once, in the metadata's bytes.
   */
  private String ipAddress;
  private String hostname;
  private String connectionType;
  private String owner;
  private String session;
  private long connectedAt;
  private long lastSeen;
  private long version;
  private final Metadata metadata;

  /** Stands for "the same as the metadata value": compared by identity, never shown. */
  private static final String IN_METADATA = new String("(in metadata)");

  private ConnectionRecord(long handle, Metadata metadata) {
    this.handle = handle;
    this.metadata = metadata;
  }

  /** A new, not yet stored connection in state Connected at version 0. */
  public static ConnectionRecord create(long handle, String ipAddress, String hostname, String connectionType,
                                        String owner, long now, Map<String, String> metadata) {
    ConnectionRecord c = new ConnectionRecord(handle, new Metadata(metadata.size()));
    c.state = ConnectionState.CONNECTED;
    c.ipAddress = ipAddress;
    c.hostname = hostname;
    c.connectionType = Names.canonical(connectionType);
    c.owner = Names.canonical(owner);
    c.connectedAt = now;
    c.lastSeen = now;
    c.metadata.putAll(metadata);
    c.shareCopiedValues();
    return c;
  }

  /** Reads a v2 hash; throws {@link MalformedRecordException} naming what is wrong. */
  public static ConnectionRecord fromHash(long handle, Map<String, String> hash) {
    int metadataSize = 0;
    for (String field : hash.keySet()) {
      metadataSize += Fields.isMeta(field) ? 1 : 0;
    }
    ConnectionRecord c = new ConnectionRecord(handle, new Metadata(metadataSize));
    String storedHandle = required(handle, hash, Fields.HANDLE);
    if (!storedHandle.equals(Long.toString(handle))) {
      throw new MalformedRecordException("handle " + handle + ": hash field handle holds '" + storedHandle + "'");
    }
    try {
      c.state = ConnectionState.fromWire(required(handle, hash, Fields.STATE));
    } catch (IllegalArgumentException e) {
      throw new MalformedRecordException("handle " + handle + ": field state: " + e.getMessage());
    }
    c.ipAddress = required(handle, hash, Fields.IP_ADDRESS);
    c.hostname = required(handle, hash, Fields.HOSTNAME);
    c.connectionType = Names.canonical(required(handle, hash, Fields.CONNECTION_TYPE));
    c.owner = Names.canonical(hash.get(Fields.OWNER));
    c.session = Names.canonical(hash.get(Fields.SESSION));
    c.playerRef = hash.get(Fields.PLAYER_REF);
    c.connectedAt = number(handle, hash, Fields.CONNECTED_AT);
    c.lastSeen = number(handle, hash, Fields.LAST_SEEN);
    c.version = number(handle, hash, Fields.VERSION);
    for (Map.Entry<String, String> e : hash.entrySet()) {
      if (Fields.isMeta(e.getKey())) {
        c.metadata.put(Fields.metaKey(e.getKey()), e.getValue());
      }
    }
    c.shareCopiedValues();
    return c;
  }

  /**
   * Register copies the address and host name into metadata: while the two are equal, the
   * field is held only there (about 60 bytes a connection each).
   */
  private void shareCopiedValues() {
    if (ipAddress != null && ipAddress.equals(metadata.get(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS))) {
      ipAddress = IN_METADATA;
    }
    if (hostname != null && hostname.equals(metadata.get(SharpMushKeys.HOST_NAME))) {
      hostname = IN_METADATA;
    }
  }

  /** Before the metadata value of {@code key} changes: a field held there takes its own copy. */
  private void unshare(String key) {
    if (ipAddress == IN_METADATA && key.equals(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS)) {
      ipAddress = metadata.get(key);
    } else if (hostname == IN_METADATA && key.equals(SharpMushKeys.HOST_NAME)) {
      hostname = metadata.get(key);
    }
  }

  private static String required(long handle, Map<String, String> hash, String field) {
    String value = hash.get(field);
    if (value == null) {
      throw new MalformedRecordException("handle " + handle + ": hash lacks field " + field);
    }
    return value;
  }

  private static long number(long handle, Map<String, String> hash, String field) {
    String value = required(handle, hash, field);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new MalformedRecordException("handle " + handle + ": field " + field + " is not a number: '" + value + "'");
    }
  }

  /**
   * The fields register writes, as alternating name and value: every field but
   * {@code handle}, {@code version} and {@code lastSeen}, which the store script sets itself.
   */
  public List<String> registerFields() {
    List<String> out = new ArrayList<>(12 + metadata.size() * 2);
    out.add(Fields.STATE);
    out.add(state.wire());
    if (playerRef != null) {
      out.add(Fields.PLAYER_REF);
      out.add(playerRef);
    }
    out.add(Fields.IP_ADDRESS);
    out.add(ipAddress());
    out.add(Fields.HOSTNAME);
    out.add(hostname());
    out.add(Fields.CONNECTION_TYPE);
    out.add(connectionType);
    if (owner != null) {
      out.add(Fields.OWNER);
      out.add(owner);
    }
    if (session != null) {
      out.add(Fields.SESSION);
      out.add(session);
    }
    out.add(Fields.CONNECTED_AT);
    out.add(Long.toString(connectedAt));
    metadata.forEach((k, v) -> {
      out.add(Fields.meta(k));
      out.add(v);
    });
    return out;
  }

  /** Applies a change made at {@code at} (Unix ms): sets or removes its fields, sets lastSeen. */
  public void apply(FieldChange change, long at) {
    change.fields().forEach(this::setField);
    lastSeen = Math.max(lastSeen, at);
  }

  /** Sets one field by its hash name; null removes it. Unknown non-metadata fields are ignored. */
  public void setField(String field, String value) {
    if (Fields.isMeta(field)) {
      String key = Fields.metaKey(field);
      unshare(key);
      if (value == null) {
        metadata.remove(key);
      } else {
        metadata.put(key, value);
      }
      return;
    }
    switch (field) {
      case Fields.STATE -> state = value == null ? state : ConnectionState.fromWire(value);
      case Fields.PLAYER_REF -> playerRef = value;
      case Fields.IP_ADDRESS -> ipAddress = value;
      case Fields.HOSTNAME -> hostname = value;
      case Fields.CONNECTION_TYPE -> connectionType = Names.canonical(value);
      case Fields.OWNER -> owner = Names.canonical(value);
      case Fields.SESSION -> session = Names.canonical(value);
      case Fields.CONNECTED_AT -> connectedAt = value == null ? connectedAt : Long.parseLong(value);
      case Fields.LAST_SEEN -> lastSeen = value == null ? lastSeen : Long.parseLong(value);
      default -> {
        // fields a newer sidecar may add are carried in Redis but not in memory
      }
    }
  }

  /** An independent copy. */
  public ConnectionRecord copy() {
    ConnectionRecord c = new ConnectionRecord(handle, metadata.copy());
    c.state = state;
    c.playerRef = playerRef;
    c.ipAddress = ipAddress;
    c.hostname = hostname;
    c.connectionType = connectionType;
    c.owner = owner;
    c.session = session;
    c.connectedAt = connectedAt;
    c.lastSeen = lastSeen;
    c.version = version;
    return c;
  }

  /** The connection as clients see it (DESIGN §3). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put(Fields.HANDLE, handle)
        .put(Fields.STATE, state.wire());
    if (playerRef != null) {
      json.put(Fields.PLAYER_REF, playerRef);
    }
    json.put(Fields.IP_ADDRESS, ipAddress())
        .put(Fields.HOSTNAME, hostname())
        .put(Fields.CONNECTION_TYPE, connectionType);
    if (owner != null) {
      json.put(Fields.OWNER, owner);
    }
    if (session != null) {
      json.put(Fields.SESSION, session);
    }
    // in key order (Metadata keeps it), so replies read the same every time
    JsonObject meta = new JsonObject();
    metadata.forEach(meta::put);
    return json.put(Fields.CONNECTED_AT, connectedAt)
        .put(Fields.LAST_SEEN, lastSeen)
        .put(Fields.VERSION, version)
        .put(Fields.METADATA, meta);
  }

  /**
   * About how many bytes {@link #toJson()} encodes to (characters of every field and metadata key
   * and value, plus the JSON around them), for bounding the size of a reply without encoding it.
   */
  public int estimatedJsonBytes() {
    long bytes = 200L + length(playerRef) + length(ipAddress()) + length(hostname()) + length(connectionType)
        + length(owner) + length(session);
    bytes += 6L * metadata.size() + metadata.chars();
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  public long handle() {
    return handle;
  }

  public ConnectionState state() {
    return state;
  }

  public String playerRef() {
    return playerRef;
  }

  public String owner() {
    return owner;
  }

  /** The client session this connection belongs to (DESIGN §7), or null. */
  public String session() {
    return session;
  }

  /** Sets the client session, before the connection is registered. */
  public void session(String session) {
    this.session = Names.canonical(session);
  }

  public long version() {
    return version;
  }

  public void version(long version) {
    this.version = version;
  }

  public long connectedAt() {
    return connectedAt;
  }

  public long lastSeen() {
    return lastSeen;
  }

  /** All metadata, read-only. */
  public Map<String, String> metadata() {
    return java.util.Collections.unmodifiableMap(metadata);
  }

  public String ipAddress() {
    return ipAddress == IN_METADATA ? metadata.get(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS) : ipAddress;
  }

  public String hostname() {
    return hostname == IN_METADATA ? metadata.get(SharpMushKeys.HOST_NAME) : hostname;
  }

  public String connectionType() {
    return connectionType;
  }

  /** UTF-8 bytes of every metadata key and value (what {@code limits.maxMetadataBytes} bounds). */
  public long metadataUtf8Bytes() {
    return metadata.utf8Bytes();
  }

  /** The UTF-8 length of {@code s}, without encoding it (an unpaired surrogate counts 3 bytes). */
  public static int utf8Length(String s) {
    return Metadata.utf8Length(s);
  }

  /** The metadata value of {@code key}, or null. */
  public String metadata(String key) {
    return metadata.get(key);
  }
}
