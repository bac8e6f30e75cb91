package dev.connstate.shard;

import dev.connstate.protocol.Command;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Executes the commands about one handle, on its shard: the v2 way, or the v1 baseline. */
interface HandleExecutor {
  /** The reply body, or a failure carrying its code. */
  Future<JsonObject> execute(Command.ForHandle command);

  /**
   * Expires the connection in its turn (DESIGN §7): {@code {"handle", "expired": bool}}, true
   * if this call removed it.
   */
  Future<JsonObject> expire(long handle, Expiry expiry);
}
