package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The command failed because the bridge socket has not authenticated (401, DESIGN §8): no
 * token was configured in {@link BridgeClientOptions#setToken}, or the sidecar does not know
 * it. Not retryable until the configuration is fixed.
 */
public final class UnauthenticatedException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** Wraps a 401 from the bridge, with the sidecar's message. */
  public UnauthenticatedException(String message) {
    super(ReplyFailure.RECIPIENT_FAILURE, FailureCode.UNAUTHENTICATED, message);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
