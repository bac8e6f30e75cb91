package dev.connstate.ops;

import dev.connstate.model.ConnectionState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The sidecar's own metrics ({@link MetricNames}) on one registry, with the meters cached so
 * the hot path does not look them up. Thread-safe: shards, ingress and the bridge all count
 * here. Also holds the live totals that gauges read (connections by state, pending writes).
 */
public final class Metrics {
  /** Histogram buckets of command latency: from a quarter of a millisecond to the 30 s request timeout. */
  private static final Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(250, 500, 1_000, 2_000, 5_000,
      10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000)
      .mapToObj(Duration::ofNanos).map(d -> d.multipliedBy(1_000)).toArray(Duration[]::new);

  private final MeterRegistry registry;
  private final ConcurrentHashMap<MeterKey, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<ConnectionState, AtomicLong> connections = new EnumMap<>(ConnectionState.class);
  private final AtomicLong pendingWrites = new AtomicLong();
  private final AtomicLong startupLoadMillis = new AtomicLong(-1);
  private final AtomicLong ready = new AtomicLong();

  public Metrics(MeterRegistry registry) {
    this.registry = registry;
    for (ConnectionState state : ConnectionState.values()) {
      AtomicLong count = new AtomicLong();
      connections.put(state, count);
      Gauge.builder(MetricNames.CONNECTIONS, count, AtomicLong::get).tag("state", state.wire())
          .description(MetricNames.help(MetricNames.CONNECTIONS)).register(registry);
    }
    gauge(MetricNames.PENDING_WRITES, pendingWrites::get);
    gauge(MetricNames.STARTUP_LOAD, () -> startupLoadMillis.get() < 0 ? Double.NaN : startupLoadMillis.get() / 1000.0);
    gauge(MetricNames.READY, ready::get);
    // counters without labels exist from the first scrape, at zero, so rates and alerts see them
    counter(MetricNames.REDIS_WRITE_RETRIES);
    counter(MetricNames.REDIS_CONNECTIONS_LOST);
    counter(MetricNames.REDIS_CONNECT_FAILURES);
    counter(MetricNames.EVENTS_PUBLISHED);
    counter(MetricNames.RESYNC_EVENTS);
    counter(MetricNames.WRITES_COALESCED);
    counter(MetricNames.BRIDGE_EVENTS_DROPPED);
    counter(MetricNames.LEGACY_READS);
    counter(MetricNames.LEGACY_CONVERSIONS);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A command answered: {@code outcome} is "ok" or the failure code. */
  public void command(String address, String outcome, long nanos) {
    counter(MetricNames.COMMANDS, "address", address, "outcome", outcome).increment();
    timers.computeIfAbsent(address, a -> Timer.builder(MetricNames.COMMAND_DURATION).tag("address", a)
            .description(MetricNames.help(MetricNames.COMMAND_DURATION))
            .serviceLevelObjectives(LATENCY_BUCKETS).register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void redisWrite(String path) {
    counter(MetricNames.REDIS_WRITES, "path", path).increment();
  }

  public void redisWriteFailure(String path, String reason) {
    counter(MetricNames.REDIS_WRITE_FAILURES, "path", path, "reason", reason).increment();
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

  public void bridgeEventDropped() {
    counter(MetricNames.BRIDGE_EVENTS_DROPPED).increment();
  }

  public void malformed(String reason) {
    counter(MetricNames.MALFORMED_RECORDS, "reason", reason).increment();
  }

  /** Live connections in {@code state} changed by {@code delta}. */
  public void connections(ConnectionState state, long delta) {
    connections.get(state).addAndGet(delta);
  }

  /** Live connections in {@code state}. */
  public long connections(ConnectionState state) {
    return connections.get(state).get();
  }

  /** Handles with unstored changes changed by {@code delta}. */
  public void pendingWrites(long delta) {
    pendingWrites.addAndGet(delta);
  }

  public long pendingWrites() {
    return pendingWrites.get();
  }

  public void startupLoad(long millis) {
    startupLoadMillis.set(millis);
  }

  /** How long the startup load took, or -1 until it finished. */
  public long startupLoadMillis() {
    return startupLoadMillis.get();
  }

  /** The sidecar answers commands (1) or not yet (0). */
  public void ready(boolean isReady) {
    ready.set(isReady ? 1 : 0);
  }

  /** Registers a gauge that reads {@code value} at scrape time, with its help text. */
  public void gauge(String name, Supplier<Number> value) {
    Gauge.builder(name, value).description(MetricNames.help(name)).register(registry);
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
