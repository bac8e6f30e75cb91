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
    long bytes = record.metadataUtf8Bytes();
    for (Map.Entry<String, String> field : change.fields().entrySet()) {
      if (!Fields.isMeta(field.getKey())) {
        continue;
      }
      String key = Fields.metaKey(field.getKey());
      String before = current.get(key);
      String after = field.getValue();
      if (before != null) {
        keys--;
        bytes -= ConnectionRecord.utf8Length(key) + ConnectionRecord.utf8Length(before);
      }
      if (after != null) {
        keys++;
        bytes += ConnectionRecord.utf8Length(key) + ConnectionRecord.utf8Length(after);
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
    int keys = record.metadata().size();
    long bytes = record.metadataUtf8Bytes();
    if (keys > limits.maxMetadataKeys() || bytes > limits.maxMetadataBytes()) {
      return keys + " metadata keys, " + bytes + " bytes (limits " + limits.maxMetadataKeys() + " keys, "
          + limits.maxMetadataBytes() + " bytes)";
    }
    return null;
  }
}
