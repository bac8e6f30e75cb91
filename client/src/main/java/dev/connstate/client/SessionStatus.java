package dev.connstate.client;

/**
 * The reply to {@link ConnStateClient#session}: the socket is now tied to the session.
 *
 * @param connections the connections the answering sidecar owns in this session
 */
public record SessionStatus(String session, long connections) {
}
