package dev.connstate.shard;

import dev.connstate.model.MalformedRecordException;
import io.vertx.core.VertxException;

/**
 * Maps a Redis failure to a short, fixed reason for metric labels (never free text, so label
 * values stay bounded).
 */
final class FailureReasons {
  private FailureReasons() {
  }

  static String of(Throwable cause) {
    if (cause instanceof MalformedRecordException) {
      return "malformed";
    }
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    if (message.startsWith("NOSCRIPT")) {
      return "noscript";
    }
    if (message.startsWith("BUSY") || message.startsWith("LOADING") || message.startsWith("OOM")
        || message.startsWith("READONLY") || message.startsWith("ERR") || message.startsWith("WRONGTYPE")) {
      return "redis-error";
    }
    if (cause instanceof VertxException || cause instanceof java.io.IOException || message.contains("onnection")) {
      return "connection";
    }
    return "other";
  }
}
