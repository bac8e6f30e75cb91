package dev.connstate.bench;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every load scenario shares: where the sidecar is and how hard to drive it. */
final class LoadOptions {
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bridge host (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "7000", description = "Bridge port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--clients", defaultValue = "16",
      description = "Bridge connections, spread over the event loops (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "UNITS_PER_S",
      description = "Offered rate in units/s (a hot-path request, a churn session) over all connections, on a "
          + "fixed schedule (open loop); 0 = as fast as the sidecar answers (closed loop, default).")
  double rate;

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
    if (rate < 0) {
      return "--rate: expected 0 (closed loop) or a positive rate, got " + rate;
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
    if (port < 1 || port > 65_535) {
      return "--port: expected 1 to 65535, got " + port;
    }
    return null;
  }

  ScenarioRun.Settings settings() {
    return settings(rate);
  }

  ScenarioRun.Settings settings(double offered) {
    return new ScenarioRun.Settings(host, port, clients, offered, inflight, seconds(warmup), seconds(duration));
  }

  static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }
}
