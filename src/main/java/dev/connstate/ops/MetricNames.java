package dev.connstate.ops;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every metric the sidecar defines, each with its help text, in one place. Names are in
 * Micrometer's dotted form; Prometheus shows {@code connstate.commands} as
 * {@code connstate_commands_total} (counters) and timers with a {@code _seconds} suffix. Label
 * values are bounded: addresses, outcomes, paths, reasons and states from fixed sets, never a
 * handle or free text. {@code docs/operations.md} explains each and what to do about it.
 */
public final class MetricNames {
  public static final String PREFIX = "connstate.";
  private static final Map<String, String> HELP = new LinkedHashMap<>();

  public static final String COMMANDS = metric("commands",
      "Commands answered, by address and outcome (ok, or the failure code 400/404/409/503/500)");
  public static final String COMMAND_DURATION = metric("command.duration",
      "Time from receiving a command to answering it, by address");
  public static final String REDIS_WRITES = metric("redis.writes",
      "Changes Redis stored, by path (critical, writebehind)");
  public static final String REDIS_WRITE_FAILURES = metric("redis.write.failures",
      "Failed attempts to store a change (or re-read one), by path and reason (connection, timeout, unavailable, "
          + "redis-error, noscript, no-connection, malformed, other)");
  public static final String REDIS_WRITE_RETRIES = metric("redis.write.retries",
      "Write-behind writes sent again after a failure");
  public static final String REDIS_CONNECTIONS_LOST = metric("redis.connections.lost",
      "Redis connections lost; each is re-established by the sidecar");
  public static final String REDIS_CONNECT_FAILURES = metric("redis.connect.failures",
      "Failed attempts to connect or reconnect to Redis");
  public static final String REDIS_LATENCY = metric("redis.latency.seconds",
      "Round trip of the last scheduled PING to Redis (NaN while Redis is unreachable)");
  public static final String REDIS_UP = metric("redis.up",
      "1 if the last scheduled PING reached Redis, else 0");
  public static final String WRITES_COALESCED = metric("writes.coalesced",
      "Write-behind changes merged into a pending write instead of a write of their own");
  public static final String WRITES_REJECTED = metric("writes.rejected",
      "Write-behind changes refused with 503, by reason (backlog-full)");
  public static final String PENDING_WRITES = metric("pending.writes",
      "Connections with changes acknowledged but not yet stored in Redis (the write-behind backlog)");
  public static final String PENDING_WRITES_LIMIT = metric("pending.writes.limit",
      "maxPendingHandles: the backlog size beyond which write-behind changes are refused");
  public static final String CONNECTIONS = metric("connections",
      "Live connections this sidecar holds, by state (Connected, LoggedIn)");
  public static final String EVENTS_RECEIVED = metric("events.received",
      "Change events received from Redis pub/sub, by origin (self, other)");
  public static final String EVENTS_PUBLISHED = metric("events.published",
      "Change events published on connstate.events");
  public static final String RESYNC_EVENTS = metric("events.resynced",
      "Events published for changes missed while the event subscription was down");
  public static final String REREADS = metric("rereads",
      "Connections re-read from Redis to repair or complete this sidecar's copy, by reason "
          + "(gap, miss, stale, conflict)");
  public static final String READY = metric("ready",
      "1 once the startup load finished and commands are answered, else 0");
  public static final String STARTUP_LOAD = metric("startup.load.seconds",
      "How long the startup load took (NaN until it finished)");
  public static final String BRIDGE_CLIENTS = metric("bridge.clients",
      "TCP bridge clients connected");
  public static final String BRIDGE_FRAMES_REJECTED = metric("bridge.frames.rejected",
      "Bridge frames answered with an error or a closed socket, by reason");
  public static final String BRIDGE_EVENTS_DROPPED = metric("bridge.events.dropped",
      "Events not delivered to a bridge client that was not reading fast enough");
  public static final String LEGACY_READS = metric("legacy.reads",
      "Connections read from their v1 record because they had no v2 hash (startup load, reads, writes)");
  public static final String LEGACY_CONVERSIONS = metric("legacy.conversions",
      "v1 records converted to v2 hashes by this sidecar, before their first change");
  public static final String MALFORMED_RECORDS = metric("malformed.records",
      "Stored connections or events that could not be read, by where (load, stored, resync, event, active-member)");

  private MetricNames() {
  }

  private static String metric(String name, String help) {
    HELP.put(PREFIX + name, help);
    return PREFIX + name;
  }

  /** The help text of a metric, for its description. */
  public static String help(String name) {
    return HELP.getOrDefault(name, "");
  }

  /** Every metric name with its help text, in declaration order. */
  public static Map<String, String> all() {
    return Collections.unmodifiableMap(HELP);
  }
}
