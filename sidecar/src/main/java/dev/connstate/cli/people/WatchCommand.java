package dev.connstate.cli.people;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code connstate watch}: one line per change event, as it arrives, until interrupted (or
 * {@code --count} events). Follows the sidecar across restarts: the client reconnects by itself,
 * and says so, since events sent meanwhile are lost.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Print every change event, one line each, until Ctrl-C (or --count events).")
final class WatchCommand extends PeopleCommand {
  @Option(names = "--count", paramLabel = "N", description = "Stop after N events.")
  Long count;

  @Override
  int run(ConnStateClient client, PrintWriter out) throws ExecutionException, TimeoutException, InterruptedException {
    if (count != null && count < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count: expected at least 1");
    }
    CountDownLatch done = new CountDownLatch(1);
    long[] seen = {0};
    client.onReconnected(v -> {
      if (!json) {
        out.println("# reconnected to " + target.address() + ": events sent meanwhile were not received");
        out.flush();
      }
    });
    EventSubscription subscription = client.rawEvents(event -> {
      synchronized (seen) {
        if (count != null && seen[0] >= count) {
          return;
        }
        out.println(json ? json(event).encode() : line(event));
        out.flush();
        if (count != null && ++seen[0] >= count) {
          done.countDown();
        }
      }
    });
    await(subscription.ready());
    if (!json) {
      out.println("# watching events of " + target.address());
      out.flush();
    }
    done.await();
    return OK;
  }

  /** The event as the sidecar sent it (DESIGN §2). */
  static JsonObject json(ConnectionEvent e) {
    JsonObject json = new JsonObject().put("type", e.type()).put("handle", e.handle()).put("version", e.version())
        .put("changes", e.changes()).put("origin", e.origin()).put("at", e.at());
    return e.resync() ? json.put("resync", true) : json;
  }

  static String line(ConnectionEvent e) {
    return String.format("%s %-12s %8d v%-4d %-14s %s%s", Connections.time(e.at()), e.type(), e.handle(), e.version(),
        e.origin(), e.changes() == null ? "{}" : e.changes().encode(), e.resync() ? " (resync)" : "");
  }
}
