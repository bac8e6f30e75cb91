package dev.connstate.client;

import java.util.List;

/**
 * The reply to a touch of several handles.
 *
 * @param touched handles whose LastConnectionSignal was set
 * @param unknown handles with no live connection
 * @param refused handles not touched because the write-behind backlog was full: retry them later
 */
public record TouchResult(List<Long> touched, List<Long> unknown, List<Long> refused) {
}
