package dev.connstate.client;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * A failed connstate command (DESIGN §2, docs/protocol.md §7), the same on both transports.
 * {@link #code()} is the sidecar's failure code (400, 401, 403, 404, 409, 500, 503) or -1 when
 * the outcome is unknown; the message is the sidecar's own, meant for a person.
 *
 * <p>Each code has its own subclass, so callers can {@code recover} by type; the Javadoc of each
 * says whether retrying is safe. It extends Vert.x's {@link ReplyException}, with
 * {@code failureCode() == code()}, so that code written against the raw event bus keeps
 * working. Unchecked, since it travels in a failed {@link io.vertx.core.Future}.
 */
public abstract class ConnStateException extends ReplyException {
  private static final long serialVersionUID = 1L;

  ConnStateException(ReplyFailure failure, int code, String message) {
    // no stack trace: the interesting frame is in the sidecar, and the message says what to do
    super(failure, code, message, true);
  }

  /** The failure code of DESIGN §2, or -1 for {@link OutcomeUnknownException}. */
  public int code() {
    return failureCode();
  }

  /**
   * Whether sending the same command again is safe and may succeed: true for 503 and unknown
   * outcomes (the commands are idempotent, docs/protocol.md §7.5), false where the request
   * itself is wrong or refused.
   */
  public abstract boolean retryable();
}
