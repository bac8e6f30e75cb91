package dev.connstate.client;

import io.vertx.core.eventbus.ReplyFailure;

/**
 * No answer arrived, so whether the command ran is unknown (docs/protocol.md §7.7): the
 * sidecar's request timeout (TIMEOUT) or its shutdown (NO_HANDLERS), the bridge connection
 * closing while the request was in flight, or this client's own request timeout. {@link #code()}
 * is -1. The change may or may not be stored; its change event, if any, is the truth.
 *
 * <p>Retrying is safe for the idempotent commands (register, bind, unbind, disconnect, touch,
 * and every read); a retried update sets the same values again, at worst one more event.
 */
public final class OutcomeUnknownException extends ConnStateException {
  private static final long serialVersionUID = 1L;

  /** An unknown outcome of the given kind (TIMEOUT, NO_HANDLERS, or the client's own). */
  public OutcomeUnknownException(ReplyFailure failure, String message) {
    super(failure, -1, message);
  }

  /** An unknown outcome noticed by the client (closed socket, client-side timeout). */
  public OutcomeUnknownException(String message) {
    this(ReplyFailure.TIMEOUT, message);
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
