package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ListQuery;
import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code connstate list}: every connection, page after page, optionally by state and owner. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List connections (all pages), in handle order.")
final class ListCommand extends PeopleCommand {
  @Option(names = "--state", paramLabel = "STATE", description = "Only Connected or LoggedIn.")
  String state;

  @Option(names = "--owner", paramLabel = "ID", description = "Only those owned by this sidecar instance id.")
  String owner;

  @Option(names = "--limit", paramLabel = "N", description = "At most N connections (default: all).")
  Long limit;

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    if (limit != null && limit < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit: expected at least 1");
    }
    Table table = Connections.table();
    long shown = 0;
    long total = 0;
    String cursor = null;
    do {
      JsonObject query = new ListQuery(state, owner, cursor,
          (int) Math.min(1_000, limit == null ? 1_000 : limit - shown)).toJson();
      JsonObject page = await(client.request(Addresses.LIST, query));
      total = page.getLong("total", 0L);
      JsonArray connections = page.getJsonArray("connections", new JsonArray());
      for (int i = 0; i < connections.size(); i++) {
        if (json) {
          out.println(connections.getJsonObject(i).encode());
        } else {
          Connections.add(table, connections.getJsonObject(i));
        }
        shown++;
      }
      cursor = page.getString("cursor");
    } while (cursor != null && (limit == null || shown < limit));
    if (json) {
      out.flush();
    } else {
      table.print(out);
      out.println(shown + " of " + total + " connections");
      out.flush();
    }
    return OK;
  }
}
