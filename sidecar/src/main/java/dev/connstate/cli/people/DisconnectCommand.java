package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code connstate disconnect HANDLE}: removes a connection (an operator clearing a ghost). */
@Command(name = "disconnect", mixinStandardHelpOptions = true,
    description = "Remove a connection, as its connection server would (exit 3 if there was none).")
final class DisconnectCommand extends PeopleCommand {
  @Parameters(paramLabel = "HANDLE", description = "The connection's handle.")
  long handle;

  @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "operator",
      description = "The reason its disconnected event carries (default ${DEFAULT-VALUE}).")
  String reason;

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    JsonObject reply = await(client.request(Addresses.DISCONNECT, new JsonObject().put("handle", handle)
        .put("reason", reason)));
    boolean existed = reply.getBoolean("removed", false);
    if (json) {
      out.println(reply.encode());
    } else {
      out.println(existed ? "disconnected " + handle : "no connection " + handle + " (nothing to do)");
    }
    out.flush();
    return existed ? OK : NOT_FOUND;
  }
}
