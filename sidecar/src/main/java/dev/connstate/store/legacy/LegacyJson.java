package dev.connstate.store.legacy;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.model.PlayerRef;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The v1 (legacy) connection record: the JSON that SharpMUSH's v1 store kept in the STRING key
 * {@code sharpmush:conn:<handle>}, which is its {@code ConnectionStateData} as System.Text.Json
 * writes it with default options (DESIGN §4; exact samples in {@code fixtures/legacy/}). The
 * sidecar reads it to migrate v1 keys and as a read fallback, and writes it in {@code dual} mode
 * so that v1 readers keep working. For handle 2 it looks like this (one line in Redis):
 *
 * <pre>
 * {"Handle":2,"PlayerRef":{"Number":5,"CreationMilliseconds":1700000000000},"State":"LoggedIn",
 *  "IpAddress":"203.0.113.5:50122","Hostname":"203.0.113.5:50122","ConnectionType":"telnet",
 *  "ConnectedAt":"2026-02-13T17:16:01.765+00:00","LastSeen":"2026-02-13T17:20:44.5+00:00",
 *  "Metadata":{"CMDS":"17","WIDTH":"120"}}
 * </pre>
 *
 * <p>What it guarantees:
 * <ul>
 *   <li>{@link #parse} returns the whole record or throws {@link MalformedRecordException} naming
 *       the handle and the problem; it never returns half a record and never invents a value.
 *       Unknown properties are ignored, as System.Text.Json ignores them.</li>
 *   <li>{@link #encode} writes the exact bytes v1 would have written for the same state: compact,
 *       properties in declaration order, nulls written, PascalCase names, strings escaped as
 *       {@code JavaScriptEncoder.Default} escapes them (every non-ASCII character and
 *       {@code " & ' + < > `} as &#92;uXXXX), timestamps as UTC {@code DateTimeOffset}s. Metadata
 *       keys are in ordinal order, so one record always gives one text.</li>
 *   <li>{@code parse(h, encode(r))} gives back {@code r}'s state. Not kept: {@code owner} and
 *       {@code version}, which v1 has no place for (a parsed record has no owner and version 1),
 *       and unpaired surrogates, which System.Text.Json writes as U+FFFD. The other way,
 *       timestamps lose whatever v1 had below a millisecond (it stored 100 ns ticks).</li>
 * </ul>
 */
public final class LegacyJson {
  static final String HANDLE = "Handle";
  static final String PLAYER_REF = "PlayerRef";
  static final String NUMBER = "Number";
  static final String CREATION_MILLISECONDS = "CreationMilliseconds";
  static final String STATE = "State";
  static final String IP_ADDRESS = "IpAddress";
  static final String HOSTNAME = "Hostname";
  static final String CONNECTION_TYPE = "ConnectionType";
  static final String CONNECTED_AT = "ConnectedAt";
  static final String LAST_SEEN = "LastSeen";
  static final String METADATA = "Metadata";
  /** The version a record read from v1 starts at: v1 kept none, and v2 counts stored changes from 1. */
  static final String V1_VERSION = "1";

  private LegacyJson() {
  }

  /**
   * Reads the v1 record stored for {@code handle}.
   *
   * @throws MalformedRecordException if {@code json} is not valid JSON, a property is missing or
   *     of the wrong type, {@code Handle} is not {@code handle}, {@code State} is unknown, a
   *     timestamp is not ISO-8601 with an offset, or a metadata value is not a string
   */
  public static ConnectionRecord parse(long handle, String json) {
    V1Document doc = V1Document.read(handle, json);
    long stored = doc.integer(HANDLE);
    if (stored != handle) {
      throw doc.malformed("property " + HANDLE + " is " + stored + ", not the handle of the key");
    }
    Map<String, String> hash = new HashMap<>();
    hash.put(Fields.HANDLE, Long.toString(handle));
    hash.put(Fields.STATE, doc.state(STATE));
    String playerRef = doc.playerRef(PLAYER_REF, NUMBER, CREATION_MILLISECONDS);
    if (playerRef != null) {
      hash.put(Fields.PLAYER_REF, playerRef);
    }
    hash.put(Fields.IP_ADDRESS, doc.string(IP_ADDRESS));
    hash.put(Fields.HOSTNAME, doc.string(HOSTNAME));
    hash.put(Fields.CONNECTION_TYPE, doc.string(CONNECTION_TYPE));
    hash.put(Fields.CONNECTED_AT, Long.toString(doc.timestamp(CONNECTED_AT)));
    hash.put(Fields.LAST_SEEN, Long.toString(doc.timestamp(LAST_SEEN)));
    hash.put(Fields.VERSION, V1_VERSION);
    doc.metadata(METADATA).forEach((key, value) -> hash.put(Fields.meta(key), value));
    return ConnectionRecord.fromHash(handle, hash);
  }

  /**
   * The v1 document for {@code record}, byte for byte as v1 would have stored it.
   *
   * @throws IllegalArgumentException if the record's player reference is not {@code #N} or
   *     {@code #N:creationMillis}, or a timestamp is outside .NET's years 1 to 9999
   */
  public static String encode(ConnectionRecord record) {
    StringBuilder out = new StringBuilder(256 + record.metadata().size() * 48);
    out.append("{\"").append(HANDLE).append("\":").append(record.handle());
    name(out, PLAYER_REF);
    appendPlayerRef(out, record);
    property(out, STATE, record.state().wire());
    property(out, IP_ADDRESS, record.ipAddress());
    property(out, HOSTNAME, record.hostname());
    property(out, CONNECTION_TYPE, record.connectionType());
    timestamp(out, CONNECTED_AT, record.connectedAt());
    timestamp(out, LAST_SEEN, record.lastSeen());
    name(out, METADATA).append('{');
    // ordinal order, as .NET's StringComparer.Ordinal: String.compareTo compares UTF-16 units too
    String separator = "";
    for (Map.Entry<String, String> e : new TreeMap<>(record.metadata()).entrySet()) {
      out.append(separator);
      JavaScriptEscaping.appendQuoted(out, e.getKey());
      out.append(':');
      JavaScriptEscaping.appendQuoted(out, e.getValue());
      separator = ",";
    }
    return out.append("}}").toString();
  }

  /** Appends {@code ,"Name":}; names are ASCII constants that need no escaping. */
  private static StringBuilder name(StringBuilder out, String name) {
    return out.append(",\"").append(name).append("\":");
  }

  private static void property(StringBuilder out, String name, String value) {
    name(out, name);
    if (value == null) {
      out.append("null");
    } else {
      JavaScriptEscaping.appendQuoted(out, value);
    }
  }

  /**
   * System.Text.Json writes a DateTimeOffset straight from its formatter, never through the
   * encoder, so the {@code +} of the offset stays as is; a string value would get it escaped as hex.
   */
  private static void timestamp(StringBuilder out, String name, long epochMillis) {
    name(out, name).append('"').append(DotNetTimestamps.format(epochMillis)).append('"');
  }

  private static void appendPlayerRef(StringBuilder out, ConnectionRecord record) {
    String text = record.playerRef();
    if (text == null) {
      out.append("null");
      return;
    }
    PlayerRef ref;
    try {
      ref = PlayerRef.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("handle " + record.handle() + ": playerRef '" + text + "' is not "
          + e.getMessage(), e);
    }
    out.append("{\"").append(NUMBER).append("\":").append(ref.number())
        .append(",\"").append(CREATION_MILLISECONDS).append("\":")
        .append(ref.creationMillis() == null ? "null" : Long.toString(ref.creationMillis()))
        .append('}');
  }
}
