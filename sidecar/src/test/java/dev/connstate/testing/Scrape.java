package dev.connstate.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * One scrape of a sidecar's {@code /metrics} (Prometheus text), as series → value, with sums
 * over the series of a metric that carry given labels.
 */
public final class Scrape {
  private final Map<String, Double> samples;

  private Scrape(Map<String, Double> samples) {
    this.samples = samples;
  }

  /** GET {@code /metrics} on {@code port} now. */
  public static Scrape of(int port) {
    Http.Response response = Http.get(port, "/metrics");
    if (response.status() != 200) {
      throw new IllegalStateException("/metrics answered " + response.status());
    }
    return parse(response.body());
  }

  static Scrape parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)
          .replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
    }
    return new Scrape(samples);
  }

  /**
   * The Prometheus name of a Micrometer metric name ({@code connstate.bridge.clients.closed} →
   * {@code connstate_bridge_clients_closed_total} for a counter).
   */
  public static String counter(String micrometerName) {
    return micrometerName.replace('.', '_') + "_total";
  }

  /** The Prometheus name of a gauge ({@code connstate.bridge.queued.bytes} → {@code connstate_bridge_queued_bytes}). */
  public static String gauge(String micrometerName) {
    return micrometerName.replace('.', '_');
  }

  /** The sum of every series of {@code name} carrying each label of {@code labels} (name, value, name, value …). */
  public double sum(String name, String... labels) {
    double sum = 0;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String series = e.getKey();
      if (!series.equals(name) && !series.startsWith(name + "{")) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        all &= series.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  /** True if some series of {@code name} exists. */
  public boolean has(String name) {
    return samples.keySet().stream().anyMatch(s -> s.equals(name) || s.startsWith(name + "{"));
  }
}
