package dev.connstate.ops;

/**
 * Every metric the sidecar defines, in Micrometer's dotted form; Prometheus shows
 * {@code connstate.commands} as {@code connstate_commands_total} (counters) and timers with a
 * {@code _seconds} suffix. Label values are bounded: addresses, outcomes, paths and reasons
 * from fixed sets, never a handle or free text. {@code docs/operations.md} explains each.
 */
public final class MetricNames {
  public static final String PREFIX = "connstate.";
  /** Counter, tags address, outcome (ok or the failure code). */
  public static final String COMMANDS = PREFIX + "commands";
  /** Timer, tag address: from receipt to reply. */
  public static final String COMMAND_DURATION = PREFIX + "command.duration";
  /** Counter, tag path (critical, writebehind): change scripts Redis applied. */
  public static final String REDIS_WRITES = PREFIX + "redis.writes";
  /** Counter, tags path, reason: change scripts that failed. */
  public static final String REDIS_WRITE_FAILURES = PREFIX + "redis.write.failures";
  /** Counter: Redis connections lost (each is then re-established by the sidecar). */
  public static final String REDIS_CONNECTIONS_LOST = PREFIX + "redis.connections.lost";
  /** Counter: failed attempts to (re)connect to Redis. */
  public static final String REDIS_CONNECT_FAILURES = PREFIX + "redis.connect.failures";
  /** Counter: events published for changes missed while the subscription was down (resync). */
  public static final String RESYNC_EVENTS = PREFIX + "events.resynced";
  /** Counter: write-behind writes sent again after a failure. */
  public static final String REDIS_WRITE_RETRIES = PREFIX + "redis.write.retries";
  /** Counter: changes merged into a pending write instead of a write of their own. */
  public static final String WRITES_COALESCED = PREFIX + "writes.coalesced";
  /** Counter, tag reason: write-behind changes refused with 503. */
  public static final String WRITES_REJECTED = PREFIX + "writes.rejected";
  /** Gauge: handles with changes not yet stored in Redis. */
  public static final String PENDING_WRITES = PREFIX + "pending.writes";
  /** Gauge, tag state: live connections this sidecar holds. */
  public static final String CONNECTIONS = PREFIX + "connections";
  /** Counter, tag origin (self, other): change events received from Redis. */
  public static final String EVENTS_RECEIVED = PREFIX + "events.received";
  /** Counter: change events published on connstate.events. */
  public static final String EVENTS_PUBLISHED = PREFIX + "events.published";
  /** Counter, tag reason: handles re-read from Redis to repair the local copy. */
  public static final String REREADS = PREFIX + "rereads";
  /** Gauge: seconds the last startup load took. */
  public static final String STARTUP_LOAD = PREFIX + "startup.load.seconds";
  /** Counter, tag reason: bridge frames answered with an error or a closed socket. */
  public static final String BRIDGE_FRAMES_REJECTED = PREFIX + "bridge.frames.rejected";
  /** Gauge: bridge clients connected. */
  public static final String BRIDGE_CLIENTS = PREFIX + "bridge.clients";
  /** Counter: events not delivered to a bridge client whose socket could not keep up. */
  public static final String BRIDGE_EVENTS_DROPPED = PREFIX + "bridge.events.dropped";
  /** Counter, tag reason: stored connections that could not be read. */
  public static final String MALFORMED_RECORDS = PREFIX + "malformed.records";

  private MetricNames() {
  }
}
