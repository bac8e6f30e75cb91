package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code connstate get HANDLE}: one connection, every field. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Show one connection (exit 3 if there is none).")
final class GetCommand extends PeopleCommand {
  @Parameters(paramLabel = "HANDLE", description = "The connection's handle.")
  long handle;

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    JsonObject connection = await(client.request(Addresses.GET, new JsonObject().put("handle", handle)));
    if (json) {
      out.println(connection.encode());
      out.flush();
    } else {
      Connections.details(connection).print(out);
    }
    return OK;
  }
}
