package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because no connection has this handle (404): it was never registered, or
 * it was disconnected or expired. Not retryable: register it first.
 */
public final class NotFoundException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 404, with the sidecar's message. */
  public NotFoundException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.NOT_FOUND, message);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
