package dev.connstate.client;

/**
 * The reply to register.
 *
 * @param created true if this register created the connection; false if it existed (and is
 *     returned unchanged)
 */
public record Registration(Connection connection, boolean created) {
}
