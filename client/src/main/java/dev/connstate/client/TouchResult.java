package dev.connstate.client;

import java.util.List;

/**
 * The reply to a touch of several handles.
 *
 * @param touched handles whose LastConnectionSignal was set
 * @param unknown handles with no live connection
 */
public record TouchResult(List<Long> touched, List<Long> unknown) {
}
