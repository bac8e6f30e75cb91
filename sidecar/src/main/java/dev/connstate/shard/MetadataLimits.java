package dev.connstate.shard;

import dev.connstate.config.Limits;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.ops.Metrics;
import dev.connstate.protocol.CommandFailure;
import java.util.Map;

/**
 * What one connection may hold (DESIGN §8): at most {@code limits.maxMetadataKeys} metadata
 * keys and {@code limits.maxMetadataBytes} UTF-8 bytes of keys and values in all. A change that
 * would take a connection past either is refused with 400 before anything is applied, so that
 * no client can grow a record until a sidecar cannot hold or load it.
 */
final class MetadataLimits {
  private final Limits limits;
  private final Metrics metrics;

  MetadataLimits(Limits limits, Metrics metrics) {
    this.limits = limits;
    this.metrics = metrics;
  }

  /** Throws 400 (counted) if {@code record} with {@code change} applied would pass a limit. */
  void check(ConnectionRecord record, FieldChange change) {
    Map<String, String> current = record.metadata();
    long keys = current.size();
    long bytes = bytes(current);
    for (Map.Entry<String, String> field : change.fields().entrySet()) {
      if (!Fields.isMeta(field.getKey())) {
        continue;
      }
      String key = Fields.metaKey(field.getKey());
      String before = current.get(key);
      String after = field.getValue();
      if (before != null) {
        keys--;
        bytes -= utf8(key) + utf8(before);
      }
      if (after != null) {
        keys++;
        bytes += utf8(key) + utf8(after);
      }
    }
    if (keys > limits.maxMetadataKeys()) {
      metrics.metadataLimit();
      throw CommandFailure.badRequest("metadata", "connection " + record.handle() + " would hold " + keys
          + " metadata keys, more than limits.maxMetadataKeys (" + limits.maxMetadataKeys() + "); remove keys first");
    }
    if (bytes > limits.maxMetadataBytes()) {
      metrics.metadataLimit();
      throw CommandFailure.badRequest("metadata", "connection " + record.handle() + " would hold " + bytes
          + " bytes of metadata, more than limits.maxMetadataBytes (" + limits.maxMetadataBytes() + ")");
    }
  }

  /** Why a stored record is past the limits (one written by hand or by an older version), or null if it is not. */
  String pastLimits(ConnectionRecord record) {
    Map<String, String> metadata = record.metadata();
    long bytes = bytes(metadata);
    if (metadata.size() > limits.maxMetadataKeys() || bytes > limits.maxMetadataBytes()) {
      return metadata.size() + " metadata keys, " + bytes + " bytes (limits " + limits.maxMetadataKeys() + " keys, "
          + limits.maxMetadataBytes() + " bytes)";
    }
    return null;
  }

  /** UTF-8 bytes of every key and value. */
  static long bytes(Map<String, String> metadata) {
    long bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      bytes += utf8(e.getKey()) + utf8(e.getValue());
    }
    return bytes;
  }

  /** The UTF-8 length of {@code s}, without encoding it. */
  static int utf8(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
