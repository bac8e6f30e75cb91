package dev.connstate.ops;

import dev.connstate.model.ConnectionState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The sidecar's own metrics ({@link MetricNames}) on one registry, with the meters cached so
 * the hot path does not look them up. Thread-safe: shards, ingress and the bridge all count
 * here. Metrics observe; they hold no state the sidecar decides by: gauges read values the
 * sidecar keeps elsewhere. Every counter exists from the first scrape, at 0 for each
 * combination of its declared label values, so rates and alert rules see it.
 */
public final class Metrics {
  /** Histogram buckets of command latency: from a quarter of a millisecond to the 30 s request timeout. */
  private static final Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(250, 500, 1_000, 2_000, 5_000,
      10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000)
      .mapToObj(Duration::ofNanos).map(d -> d.multipliedBy(1_000)).toArray(Duration[]::new);
  private static final List<String> COUNTERS = List.of(MetricNames.COMMANDS, MetricNames.REDIS_WRITES,
      MetricNames.REDIS_WRITE_FAILURES, MetricNames.REDIS_WRITE_RETRIES, MetricNames.REDIS_CONNECTIONS_LOST,
      MetricNames.REDIS_CONNECT_FAILURES, MetricNames.REDIS_CLIENT_ERRORS, MetricNames.WRITES_COALESCED,
      MetricNames.WRITES_REJECTED,
      MetricNames.EVENTS_RECEIVED, MetricNames.EVENTS_PUBLISHED, MetricNames.RESYNC_EVENTS, MetricNames.RESYNC_FAILURES,
      MetricNames.REREADS,
      MetricNames.BRIDGE_FRAMES_REJECTED, MetricNames.BRIDGE_EVENTS_DROPPED, MetricNames.LEGACY_READS,
      MetricNames.LEGACY_CONVERSIONS, MetricNames.MALFORMED_RECORDS, MetricNames.HISTORY_LOST,
      MetricNames.BRIDGE_CLIENTS_CLOSED, MetricNames.BRIDGE_AUTHENTICATIONS, MetricNames.METADATA_LIMIT,
      MetricNames.OVERSIZED_RECORDS, MetricNames.LEASES_ACQUIRED, MetricNames.LEASES_LOST,
      MetricNames.FENCED_CHANGES, MetricNames.CONNECTIONS_EXPIRED, MetricNames.REAPS, MetricNames.AUDIT_COMPARED,
      MetricNames.AUDIT_DIVERGENCES, MetricNames.AUDIT_RUNS);

  private final MeterRegistry registry;
  private final ConcurrentHashMap<MeterKey, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  public Metrics(MeterRegistry registry) {
    this.registry = registry;
    for (String name : COUNTERS) {
      for (String[] tags : combinations(MetricNames.labels(name))) {
        counter(name, tags);
      }
    }
    for (String[] tags : combinations(MetricNames.labels(MetricNames.COMMAND_DURATION))) {
      timer(tags[1]);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A command answered: {@code outcome} is "ok" or the failure code. */
  public void command(String address, String outcome, long nanos) {
    counter(MetricNames.COMMANDS, "address", address, "outcome", outcome).increment();
    timer(address).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void redisWrite(String path) {
    counter(MetricNames.REDIS_WRITES, "path", path).increment();
  }

  public void redisWriteFailure(String path, String reason) {
    counter(MetricNames.REDIS_WRITE_FAILURES, "path", path, "reason", reason).increment();
  }

  /** The Redis client logged a problem of {@code kind} on its own ({@link RedisClientLog}). */
  public void redisClientError(String kind) {
    counter(MetricNames.REDIS_CLIENT_ERRORS, "kind", kind).increment();
  }

  /** A resync after a lost subscription failed; it is retried. */
  public void resyncFailed() {
    counter(MetricNames.RESYNC_FAILURES).increment();
  }

  public void redisConnectionLost() {
    counter(MetricNames.REDIS_CONNECTIONS_LOST).increment();
  }

  public void redisConnectFailure() {
    counter(MetricNames.REDIS_CONNECT_FAILURES).increment();
  }

  public void resyncEvent() {
    counter(MetricNames.RESYNC_EVENTS).increment();
  }

  public void historyLost() {
    counter(MetricNames.HISTORY_LOST).increment();
  }

  public void legacyRead() {
    counter(MetricNames.LEGACY_READS).increment();
  }

  public void legacyConversion() {
    counter(MetricNames.LEGACY_CONVERSIONS).increment();
  }

  public void retry() {
    counter(MetricNames.REDIS_WRITE_RETRIES).increment();
  }

  public void coalesced() {
    counter(MetricNames.WRITES_COALESCED).increment();
  }

  public void rejected(String reason) {
    counter(MetricNames.WRITES_REJECTED, "reason", reason).increment();
  }

  public void eventReceived(boolean own) {
    counter(MetricNames.EVENTS_RECEIVED, "origin", own ? "self" : "other").increment();
  }

  public void eventPublished() {
    counter(MetricNames.EVENTS_PUBLISHED).increment();
  }

  public void reread(String reason) {
    counter(MetricNames.REREADS, "reason", reason).increment();
  }

  public void bridgeRejected(String reason) {
    counter(MetricNames.BRIDGE_FRAMES_REJECTED, "reason", reason).increment();
  }

  public void bridgeClosed(String reason) {
    counter(MetricNames.BRIDGE_CLIENTS_CLOSED, "reason", reason).increment();
  }

  public void bridgeAuthentication(String outcome) {
    counter(MetricNames.BRIDGE_AUTHENTICATIONS, "outcome", outcome).increment();
  }

  public void metadataLimit() {
    counter(MetricNames.METADATA_LIMIT).increment();
  }

  public void oversizedRecord() {
    counter(MetricNames.OVERSIZED_RECORDS).increment();
  }

  public void bridgeEventDropped() {
    counter(MetricNames.BRIDGE_EVENTS_DROPPED).increment();
  }

  public void expired(String reason) {
    counter(MetricNames.CONNECTIONS_EXPIRED, "reason", reason).increment();
  }

  public void fenced(String where) {
    counter(MetricNames.FENCED_CHANGES, "where", where).increment();
  }

  public void leaseAcquired() {
    counter(MetricNames.LEASES_ACQUIRED).increment();
  }

  public void leaseLost(String reason) {
    counter(MetricNames.LEASES_LOST, "reason", reason).increment();
  }

  public void reaped() {
    counter(MetricNames.REAPS).increment();
  }

  /** A convergence audit run ended: {@code outcome} is ok or failed. */
  public void auditRun(String outcome) {
    counter(MetricNames.AUDIT_RUNS, "outcome", outcome).increment();
  }

  /** The convergence audit compared {@code count} more connections with Redis. */
  public void auditCompared(long count) {
    counter(MetricNames.AUDIT_COMPARED).increment(count);
  }

  /** The convergence audit found {@code count} more connections differing from Redis in this {@code kind}. */
  public void auditDivergences(String kind, long count) {
    counter(MetricNames.AUDIT_DIVERGENCES, "kind", kind).increment(count);
  }

  public void malformed(String reason) {
    counter(MetricNames.MALFORMED_RECORDS, "reason", reason).increment();
  }

  /** Registers a gauge that reads {@code value} at scrape time, with its help text. */
  public void gauge(String name, Supplier<Number> value) {
    Gauge.builder(name, value).description(MetricNames.help(name)).register(registry);
  }

  /** Registers {@code connstate_connections}, one gauge per state, reading {@code count} at scrape time. */
  public void connectionGauges(ToLongFunction<ConnectionState> count) {
    for (ConnectionState state : ConnectionState.values()) {
      Gauge.builder(MetricNames.CONNECTIONS, () -> count.applyAsLong(state)).tag("state", state.wire())
          .description(MetricNames.help(MetricNames.CONNECTIONS)).register(registry);
    }
  }

  /** Every combination of the labels' values, as alternating name, value tag arrays. */
  private static List<String[]> combinations(List<MetricNames.Label> labels) {
    List<String[]> out = new ArrayList<>();
    out.add(new String[0]);
    for (MetricNames.Label label : labels) {
      List<String[]> next = new ArrayList<>();
      for (String[] prefix : out) {
        for (String value : label.values()) {
          String[] tags = Arrays.copyOf(prefix, prefix.length + 2);
          tags[prefix.length] = label.name();
          tags[prefix.length + 1] = value;
          next.add(tags);
        }
      }
      out = next;
    }
    return out;
  }

  private Timer timer(String address) {
    Timer t = timers.get(address);
    return t != null ? t : timers.computeIfAbsent(address, a -> Timer.builder(MetricNames.COMMAND_DURATION)
        .tag("address", a).description(MetricNames.help(MetricNames.COMMAND_DURATION))
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
  }

  /** A counter's identity; equal names and tags are one counter (strings keep their hash: no copying). */
  private record MeterKey(String name, List<String> tags) {
  }

  private Counter counter(String name, String... tags) {
    MeterKey key = new MeterKey(name, Arrays.asList(tags));
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags)
        .description(MetricNames.help(name)).register(registry));
  }
}
