package dev.connstate.bench;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every load run shares (bench hot, churn and suite): how hard and how long to drive it. */
final class LoadOptions {
  @Option(names = "--clients", defaultValue = "16",
      description = "Bridge connections, spread over the event loops (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--inflight", defaultValue = "64",
      description = "Closed loop: units in flight per connection (default ${DEFAULT-VALUE}).")
  int inflight;

  @Option(names = "--duration", defaultValue = "10", paramLabel = "SECONDS",
      description = "Measured time (default ${DEFAULT-VALUE}).")
  double duration;

  @Option(names = "--warmup", defaultValue = "3", paramLabel = "SECONDS",
      description = "Unmeasured time first, for the JIT (default ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--redis-url", paramLabel = "URL",
      description = "The sidecar's Redis: when given, its INFO stats before and after give bytes and commands per "
          + "request.")
  String redisUrl;

  @Option(names = "--json", description = "Print the report as JSON instead of a table.")
  boolean json;

  /** Null when valid, else what is wrong, naming the option. */
  String problem() {
    if (clients < 1 || clients > 1_000) {
      return "--clients: expected 1 to 1000, got " + clients;
    }
    if (inflight < 1 || inflight > LoadDriver.MAX_OUTSTANDING) {
      return "--inflight: expected 1 to " + LoadDriver.MAX_OUTSTANDING + ", got " + inflight;
    }
    if (duration <= 0) {
      return "--duration: expected a positive number of seconds, got " + duration;
    }
    if (warmup < 0) {
      return "--warmup: expected 0 or more seconds, got " + warmup;
    }
    return null;
  }

  /** Settings for a run against the bridge at {@code host:port}, at {@code rate} units/s (0: closed loop). */
  ScenarioRun.Settings settings(String host, int port, double rate) {
    return new ScenarioRun.Settings(host, port, clients, rate, inflight, seconds(warmup), seconds(duration));
  }

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }
}
