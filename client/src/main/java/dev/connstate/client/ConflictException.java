package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because the command conflicts with the connection's current state (409),
 * e.g. a bind while bound to another player. Not retryable as is: resolve the conflict
 * (unbind) first.
 */
public final class ConflictException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 409, with the sidecar's message. */
  public ConflictException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.CONFLICT, message);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
