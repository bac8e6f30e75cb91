package dev.connstate.testing;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the commands of an {@link AcknowledgedLoad} got, for its checks and reports: when each
 * was acknowledged (by kind), every 503 answer, every other failure, the commands never
 * acknowledged, and the test's marks on the same clock (ms since the load started).
 */
final class LoadRecord {
  private static final int EXAMPLES = 3;
  private final long startedNanos = System.nanoTime();
  private final Map<String, AtomicLong> acknowledged = new ConcurrentHashMap<>();
  private final Queue<Long> acknowledgedAtMs = new ConcurrentLinkedQueue<>();
  private final Queue<Refusal> refusals = new ConcurrentLinkedQueue<>();
  private final List<String> unexpected = new CopyOnWriteArrayList<>();
  private final List<String> marks = new CopyOnWriteArrayList<>();
  private final AtomicLong gaveUp = new AtomicLong();
  private final AtomicLong unknown = new AtomicLong();

  /** A 503 answer: when its command was sent, and what it was. */
  private record Refusal(long sentMs, String what) {
  }

  long elapsedMs() {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  void acknowledged(String kind) {
    acknowledged.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    acknowledgedAtMs.add(elapsedMs());
  }

  void refused(long sentMs, String what) {
    refusals.add(new Refusal(sentMs, what));
  }

  void unexpected(String what) {
    unexpected.add(what);
  }

  /** An answer of unknown outcome (failure code -1), retried. */
  void unknown() {
    unknown.incrementAndGet();
  }

  void gaveUp() {
    gaveUp.incrementAndGet();
  }

  long mark(String what) {
    long now = elapsedMs();
    marks.add(String.format("+%.3f s %s", now / 1000.0, what));
    return now;
  }

  long acknowledgedBetween(long fromMs, long toMs) {
    return acknowledgedAtMs.stream().filter(t -> t >= fromMs && t < toMs).count();
  }

  /** "none", or how many commands sent from {@code fromMs} on were answered 503, with the first few. */
  String refusedSentFrom(long fromMs) {
    List<String> late = refusals.stream().filter(r -> r.sentMs() >= fromMs)
        .sorted((a, b) -> Long.compare(a.sentMs(), b.sentMs())).map(Refusal::what).toList();
    return late.isEmpty() ? "none" : late.size() + ", first: " + late.subList(0, Math.min(EXAMPLES, late.size()));
  }

  /** One paragraph: counts by kind, 503s and when, failures, the timeline. */
  String summary(String label, String shape, int handles) {
    long acks = acknowledged.values().stream().mapToLong(AtomicLong::get).sum();
    String when = refusals.isEmpty() ? "" : String.format("; to commands sent from +%.3f s to +%.3f s",
        refusals.stream().mapToLong(Refusal::sentMs).min().orElse(0) / 1000.0,
        refusals.stream().mapToLong(Refusal::sentMs).max().orElse(0) / 1000.0);
    String failures = unexpected.isEmpty() ? ""
        : " (first: " + unexpected.subList(0, Math.min(EXAMPLES, unexpected.size())) + ")";
    return String.format("%s: %s: %d handles, %d commands acknowledged %s; %d answers 503 (retried%s), "
            + "%d of unknown outcome (retried), %d commands never acknowledged, %d unexpected failures%s; timeline: %s",
        label, shape, handles, acks, new TreeMap<>(acknowledged), refusals.size(), when, unknown.get(), gaveUp.get(),
        unexpected.size(), failures, String.join(", ", marks));
  }
}
