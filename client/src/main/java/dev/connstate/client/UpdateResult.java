package dev.connstate.client;

/**
 * The reply to update.
 *
 * @param persisted true if Redis stored the change before the reply (critical), false if it
 *     is written behind
 * @param version the version Redis gave the change when persisted, else null
 */
public record UpdateResult(long handle, boolean persisted, Long version) {
}
