package dev.connstate.client;

import java.util.List;

/**
 * One page of a list.
 *
 * @param cursor pass it to the next list call; null on the last page
 * @param total connections matching the filter, over all pages
 */
public record ConnectionPage(List<Connection> connections, String cursor, long total) {
}
