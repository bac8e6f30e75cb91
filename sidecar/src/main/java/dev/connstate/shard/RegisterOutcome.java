package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;

/**
 * What Redis did with a register.
 *
 * @param created true if this call created the connection (at version 1)
 * @param existing when not created: the connection as Redis holds it (null when {@code legacy})
 * @param legacy the connection exists only as a v1 record: convert it, then register again
 */
public record RegisterOutcome(boolean created, ConnectionRecord existing, boolean legacy) {
}
