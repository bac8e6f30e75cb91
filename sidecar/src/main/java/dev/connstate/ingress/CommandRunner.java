package dev.connstate.ingress;

import io.vertx.core.Future;

/**
 * Runs one command of DESIGN §2 given its address and body, as its event-bus consumer would:
 * the future holds the reply body, or fails with a {@link io.vertx.core.eventbus.ReplyException}
 * carrying the failure code. The bridge calls it directly (no event-bus request, reply
 * registration or body copy per command); callable from any thread, and commands given to it
 * from one thread reach each shard in that order.
 */
@FunctionalInterface
public interface CommandRunner {
  Future<Object> run(String address, Object body);
}
