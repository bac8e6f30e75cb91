package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;

/** {@code connstate stats}: counts by state, the write backlog, Redis's state. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Show the sidecar's counts: connections by state, pending writes, shards, Redis.")
final class StatsCommand extends PeopleCommand {

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    JsonObject stats = await(client.request(Addresses.STATS, new JsonObject()));
    if (json) {
      out.println(stats.encode());
      out.flush();
      return OK;
    }
    Table table = new Table("STAT", "VALUE");
    flatten(table, "", stats);
    table.print(out);
    return OK;
  }

  private static void flatten(Table table, String prefix, JsonObject object) {
    for (Map.Entry<String, Object> e : object) {
      if (e.getValue() instanceof JsonObject nested) {
        flatten(table, prefix + e.getKey() + ".", nested);
      } else {
        table.row(prefix + e.getKey(), e.getValue());
      }
    }
  }
}
