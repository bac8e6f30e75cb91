package dev.connstate.shard;

import dev.connstate.model.MalformedRecordException;
import dev.connstate.ops.MetricNames;
import io.vertx.core.VertxException;

/**
 * Maps a store failure to a short, fixed reason for metric labels (never free text, so label
 * values stay bounded: {@link MetricNames#FAILURE_REASONS}).
 */
final class FailureReasons {
  private FailureReasons() {
  }

  static String of(Throwable cause) {
    if (cause instanceof MalformedRecordException) {
      return MetricNames.REASON_MALFORMED;
    }
    if (cause instanceof ReplicasNotConfirmed) {
      return MetricNames.REASON_REPLICAS;
    }
    if (cause instanceof FencedException) {
      return MetricNames.REASON_FENCED;
    }
    if (cause instanceof NotSentException) {
      return MetricNames.REASON_UNAVAILABLE;
    }
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    if (message.startsWith("NOSCRIPT")) {
      return MetricNames.REASON_NOSCRIPT;
    }
    if (message.startsWith("BUSY") || message.startsWith("LOADING") || message.startsWith("OOM")
        || message.startsWith("READONLY") || message.startsWith("ERR") || message.startsWith("WRONGTYPE")) {
      return MetricNames.REASON_REDIS_ERROR;
    }
    if (cause instanceof VertxException || cause instanceof java.io.IOException || message.contains("onnection")) {
      return MetricNames.REASON_CONNECTION;
    }
    return MetricNames.REASON_OTHER;
  }
}
