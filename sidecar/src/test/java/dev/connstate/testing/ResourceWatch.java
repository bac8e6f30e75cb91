package dev.connstate.testing;

import dev.connstate.ops.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Watches a sidecar process while a test attacks it: every {@code intervalMs} it scrapes
 * {@code /metrics} and counts the process's open files, and keeps the peak of each in the
 * current window (from one {@link #window()} call to the next). Sampling can miss a peak
 * between two scrapes: the peaks are lower bounds.
 */
public final class ResourceWatch implements AutoCloseable {
  /** The peaks of one window. {@code samples}: scrapes that answered; {@code failed}: those that did not. */
  public record Peaks(double queuedBytes, double pendingFrameBytes, double heapBytes, double bridgeClients,
                      long openFiles, int samples, int failed) {
    @Override
    public String toString() {
      return String.format("peaks over %d scrapes (%d failed): bridge queued %.1f MiB, pending frames %.1f MiB, "
              + "heap %.0f MiB, bridge clients %.0f, open files %d", samples, failed, queuedBytes / (1 << 20),
          pendingFrameBytes / (1 << 20), heapBytes / (1 << 20), bridgeClients, openFiles);
    }
  }

  private final int httpPort;
  private final Path fds;
  private final long intervalMs;
  private final Thread thread;
  private volatile boolean running = true;
  private double queued;
  private double pending;
  private double heap;
  private double clients;
  private long files;
  private int samples;
  private int failed;

  public ResourceWatch(int httpPort, long pid, long intervalMs) {
    this.httpPort = httpPort;
    this.fds = Path.of("/proc", Long.toString(pid), "fd");
    this.intervalMs = intervalMs;
    this.thread = new Thread(this::run, "resource-watch-" + pid);
    thread.setDaemon(true);
    thread.start();
  }

  /** Ends the current window: its peaks, after one more sample taken now. */
  public Peaks window() {
    sample();
    synchronized (this) {
      Peaks peaks = new Peaks(queued, pending, heap, clients, files, samples, failed);
      queued = pending = heap = clients = 0;
      files = 0;
      samples = failed = 0;
      return peaks;
    }
  }

  /** Open files of the process now (-1 if it is gone or /proc is not there). */
  public long openFiles() {
    try (Stream<Path> list = Files.list(fds)) {
      return list.count();
    } catch (IOException e) {
      return -1;
    }
  }

  private void run() {
    while (running) {
      sample();
      try {
        Thread.sleep(intervalMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sample() {
    long open = openFiles();
    Scrape scrape;
    try {
      scrape = Scrape.of(httpPort);
    } catch (RuntimeException e) {
      synchronized (this) {
        failed++;
        files = Math.max(files, open);
      }
      return;
    }
    synchronized (this) {
      samples++;
      files = Math.max(files, open);
      queued = Math.max(queued, scrape.sum(Scrape.gauge(MetricNames.BRIDGE_QUEUED_BYTES)));
      pending = Math.max(pending, scrape.sum(Scrape.gauge(MetricNames.BRIDGE_PENDING_FRAME_BYTES)));
      heap = Math.max(heap, scrape.sum("jvm_memory_used_bytes", "area", "heap"));
      clients = Math.max(clients, scrape.sum(Scrape.gauge(MetricNames.BRIDGE_CLIENTS)));
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
