package dev.connstate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Reads a sidecar's HTTP endpoints ({@code /health}, {@code /metrics}) on 127.0.0.1 for the
 * benchmarks: whether it is ready, and counters such as the bytes its JVM allocated. Blocking:
 * call it from a CLI thread or a worker, never an event loop.
 */
final class SidecarHttp {
  /** Micrometer's count of bytes the JVM allocated in the young generation, updated at each collection. */
  static final String ALLOCATED_BYTES = "jvm_gc_memory_allocated_bytes_total";
  /** Micrometer's stop-the-world collection pauses: their count and their total seconds (every collector and cause). */
  static final String GC_PAUSES = "jvm_gc_pause_seconds_count";
  static final String GC_PAUSE_SECONDS = "jvm_gc_pause_seconds_sum";

  private final int port;

  SidecarHttp(int port) {
    this.port = port;
  }

  /** The status of {@code GET path}, or -1 when nothing answered within 2 s (a poll is retried, not waited out). */
  int status(String path) {
    try {
      return request(path, 2_000).status();
    } catch (IOException notYet) {
      return -1;
    }
  }

  /** The sum of every sample of {@code metric} on {@code /metrics} whose labels contain {@code labelFilter}. */
  double metric(String metric, String labelFilter) {
    return sums(get("/metrics"), labelFilter, metric)[0];
  }

  /** Per metric, the sum of all its samples, from one read of {@code /metrics}. */
  double[] metrics(String... metrics) {
    return sums(get("/metrics"), "", metrics);
  }

  private static double[] sums(String page, String labelFilter, String... metrics) {
    double[] sums = new double[metrics.length];
    for (String line : page.split("\n")) {
      for (int i = 0; i < metrics.length; i++) {
        String metric = metrics[i];
        if (line.startsWith(metric) && (line.charAt(metric.length()) == ' ' || line.charAt(metric.length()) == '{')
            && line.contains(labelFilter)) {
          sums[i] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return sums;
  }

  private String get(String path) {
    try {
      Response response = request(path, 30_000);
      if (response.status() != 200) {
        throw new IOException("status " + response.status());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + " of the sidecar on port " + port, e);
    }
  }

  private record Response(int status, String body) {
  }

  /**
   * One HTTP/1.0 GET on a socket of its own. Not HttpURLConnection: its keep-alive cache handed
   * a health poll a dead connection to an earlier sidecar that had the same port, and the poll
   * then waited out its read timeout.
   */
  private Response request(String path, int timeoutMs) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
      socket.setSoTimeout(timeoutMs);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int headersEnd = response.indexOf("\r\n\r\n");
      String[] statusLine = response.substring(0, Math.max(0, response.indexOf("\r\n"))).split(" ");
      if (headersEnd < 0 || statusLine.length < 2) {
        throw new IOException("not an HTTP response: " + response.lines().findFirst().orElse(""));
      }
      return new Response(Integer.parseInt(statusLine[1]), response.substring(headersEnd + 4));
    }
  }
}
