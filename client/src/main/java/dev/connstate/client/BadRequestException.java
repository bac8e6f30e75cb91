package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because the body is malformed (400). The message names the offending
 * field first and says what was expected (`handle: a JSON integer ..., got "43"`): keep it, it
 * is what the caller must fix. Retrying the same body fails the same way.
 */
public final class BadRequestException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 400: the body names a field the sidecar could not accept, with the sidecar's message. */
  public BadRequestException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.BAD_REQUEST, message);
  }

  /** The field the sidecar named first in its message ({@code "handle"}), or null if none. */
  public String field() {
    String message = getMessage();
    int colon = message == null ? -1 : message.indexOf(": ");
    return colon <= 0 || message.substring(0, colon).contains(" ") ? null : message.substring(0, colon);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
