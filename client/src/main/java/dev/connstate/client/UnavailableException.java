package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Locale;

/**
 * The change was not acknowledged (503, docs/protocol.md §7.5): Redis did not store a critical
 * change in time, the write-behind backlog is full, or the sidecar lost its owner lease. Retry
 * with backoff: register, bind, unbind and disconnect are idempotent, and a retried update sets
 * the same values again.
 *
 * <p>{@link #mayBeStored()} tells the two meanings apart from the sidecar's message: "was not
 * stored" / "not applied" (Redis unreachable, refused, backlog full, lease lost) means nothing
 * changed; "may still be stored" / "may or may not be stored" (Redis stalled, connection broke
 * mid-write) means the change may yet appear, and its change event is then the truth.
 *
 * <p>The bridge client also raises it, with {@link #mayBeStored()} false, for a request it
 * could not even send within its timeout (no connection to the sidecar): nothing left this
 * process.
 */
public final class UnavailableException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 503 with the sidecar's message (or the client's, for a request never sent). */
  public UnavailableException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.UNAVAILABLE, message);
  }

  /**
   * True when the message says the change may still be stored despite the failure; false when
   * it says it was not stored (or says neither, as for a full backlog: not applied).
   */
  public boolean mayBeStored() {
    String text = getMessage() == null ? "" : getMessage().toLowerCase(Locale.ROOT);
    return text.contains("may still be stored") || text.contains("may or may not be stored");
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
