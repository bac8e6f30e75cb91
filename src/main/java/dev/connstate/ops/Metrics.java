package dev.connstate.ops;

import dev.connstate.model.ConnectionState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
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
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<ConnectionState, AtomicLong> connections = new EnumMap<>(ConnectionState.class);
  private final AtomicLong pendingWrites = new AtomicLong();
  private final AtomicLong startupLoadMillis = new AtomicLong(-1);

  public Metrics(MeterRegistry registry) {
    this.registry = registry;
    for (ConnectionState state : ConnectionState.values()) {
      AtomicLong count = new AtomicLong();
      connections.put(state, count);
      Gauge.builder(MetricNames.CONNECTIONS, count, AtomicLong::get).tag("state", state.wire()).register(registry);
    }
    Gauge.builder(MetricNames.PENDING_WRITES, pendingWrites, AtomicLong::get).register(registry);
    Gauge.builder(MetricNames.STARTUP_LOAD, startupLoadMillis, v -> v.get() < 0 ? Double.NaN : v.get() / 1000.0)
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A command answered: {@code outcome} is "ok" or the failure code. */
  public void command(String address, String outcome, long nanos) {
    counter(MetricNames.COMMANDS, "address", address, "outcome", outcome).increment();
    timers.computeIfAbsent(address, a -> Timer.builder(MetricNames.COMMAND_DURATION).tag("address", a)
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(30)).register(registry))
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

  /** Registers a gauge that reads {@code value} at scrape time. */
  public void gauge(String name, Supplier<Number> value) {
    Gauge.builder(name, value).register(registry);
  }

  private Counter counter(String name, String... tags) {
    String key = tags.length == 0 ? name : name + String.join("\u0000", tags);
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags).register(registry));
  }
}
