package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because the command is outside the bridge client's role, or the address
 * is not a connstate command (403, DESIGN §8). The message names the client, its role and the
 * command. Not retryable.
 */
public final class ForbiddenException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 403 from the bridge, with the sidecar's message. */
  public ForbiddenException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.FORBIDDEN, message);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
