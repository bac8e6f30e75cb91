package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because a bug in the sidecar, or a stored connection it cannot read
 * (500); the sidecar logged it. Report it; retrying gives the same answer for the same stored
 * data.
 */
public final class InternalErrorException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 500, with the sidecar's message. */
  public InternalErrorException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.INTERNAL, message);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
