package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code connstate byplayer REF}: the handles bound to a player. */
@Command(name = "byplayer", mixinStandardHelpOptions = true,
    description = "List the handles bound to a player (#N matches any creation time).")
final class ByPlayerCommand extends PeopleCommand {
  @Parameters(paramLabel = "REF", description = "The player: #N or #N:creationMillis.")
  String playerRef;

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    JsonObject reply = await(client.request(Addresses.BY_PLAYER, new JsonObject().put("playerRef", playerRef)));
    if (json) {
      out.println(reply.encode());
    } else {
      Table table = new Table("PLAYER", "HANDLE");
      reply.getJsonArray("handles").forEach(h -> table.row(reply.getString("playerRef"), h));
      table.print(out);
      out.println(reply.getJsonArray("handles").size() + " connections");
    }
    out.flush();
    return OK;
  }
}
