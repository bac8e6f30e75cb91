package dev.connstate.ops;

import dev.connstate.model.ConnectionState;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.FailureCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every metric the sidecar defines, each with its help text, in one place. Names are in
 * Micrometer's dotted form; Prometheus shows {@code connstate.commands} as
 * {@code connstate_commands_total} (counters) and timers with a {@code _seconds} suffix. Label
 * values are bounded: addresses, outcomes, paths, reasons and states from fixed sets, never a
 * handle or free text. Those sets are declared here with the metric ({@link #labels}), and
 * {@link Metrics} exports every combination at 0 from the start, so that alert rules and
 * dashboards find every series on a healthy sidecar. {@code docs/operations.md} explains each
 * metric and what to do about it.
 */
public final class MetricNames {
  public static final String PREFIX = "connstate.";
  private static final Map<String, String> HELP = new LinkedHashMap<>();
  private static final Map<String, List<Label>> LABELS = new LinkedHashMap<>();

  /** Command outcomes: answered, or failed with a code of DESIGN §2. */
  public static final String OUTCOME_OK = "ok";
  public static final List<String> OUTCOMES = List.of(OUTCOME_OK, code(FailureCode.BAD_REQUEST),
      code(FailureCode.NOT_FOUND), code(FailureCode.CONFLICT), code(FailureCode.INTERNAL),
      code(FailureCode.UNAVAILABLE));

  /** Where a Redis write (or re-read) came from. */
  public static final String PATH_CRITICAL = "critical";
  public static final String PATH_WRITE_BEHIND = "writebehind";
  public static final String PATH_REREAD = "reread";
  public static final String PATH_LEGACY = "legacy";
  public static final List<String> WRITE_PATHS = List.of(PATH_CRITICAL, PATH_WRITE_BEHIND, PATH_LEGACY);
  public static final List<String> FAILURE_PATHS = List.of(PATH_CRITICAL, PATH_WRITE_BEHIND, PATH_REREAD,
      PATH_LEGACY);

  /** Why a Redis write failed. */
  public static final String REASON_CONNECTION = "connection";
  public static final String REASON_TIMEOUT = "timeout";
  public static final String REASON_UNAVAILABLE = "unavailable";
  public static final String REASON_REDIS_ERROR = "redis-error";
  public static final String REASON_NOSCRIPT = "noscript";
  public static final String REASON_NO_CONNECTION = "no-connection";
  public static final String REASON_MALFORMED = "malformed";
  public static final String REASON_DROPPED = "dropped";
  public static final String REASON_REPLICAS = "replicas";
  public static final String REASON_FENCED = "fenced";
  public static final String REASON_OTHER = "other";
  public static final List<String> FAILURE_REASONS = List.of(REASON_CONNECTION, REASON_TIMEOUT, REASON_UNAVAILABLE,
      REASON_REDIS_ERROR, REASON_NOSCRIPT, REASON_NO_CONNECTION, REASON_MALFORMED, REASON_DROPPED, REASON_REPLICAS,
      REASON_FENCED, REASON_OTHER);

  /** Why a write-behind change was refused. */
  public static final String REJECTED_BACKLOG_FULL = "backlog-full";

  /** Why a connection was re-read from Redis. */
  public static final String REREAD_GAP = "gap";
  public static final String REREAD_MISS = "miss";
  public static final String REREAD_STALE = "stale";
  public static final String REREAD_CONFLICT = "conflict";
  public static final String REREAD_BEHIND = "behind";
  public static final String REREAD_RESYNC = "resync";
  public static final String REREAD_OVERTAKEN = "overtaken";

  /** Where a stored record or event could not be read. */
  public static final String MALFORMED_LOAD = "load";
  public static final String MALFORMED_STORED = "stored";
  public static final String MALFORMED_RESYNC = "resync";
  public static final String MALFORMED_EVENT = "event";
  public static final String MALFORMED_ACTIVE_MEMBER = "active-member";

  /** Why a bridge frame was refused (the reason word of the err frame). */
  public static final String FRAME_TOO_LARGE = "frame_too_large";
  public static final String FRAME_INVALID_JSON = "invalid_json";
  public static final String FRAME_INVALID = "invalid_frame";
  public static final String FRAME_UNKNOWN_TYPE = "unknown_type";
  public static final String FRAME_MISSING_ADDRESS = "missing_address";
  public static final String FRAME_ACCESS_DENIED = "access_denied";
  public static final String FRAME_UNAUTHENTICATED = "unauthenticated";
  public static final String FRAME_FORBIDDEN = "forbidden";

  /** Why the bridge closed a client's socket. */
  public static final String CLOSED_TOO_MANY_CLIENTS = "too_many_clients";
  public static final String CLOSED_AUTH_TIMEOUT = "auth_timeout";
  public static final String CLOSED_FRAME_TOO_LARGE = "frame_too_large";
  public static final String CLOSED_FRAME_TIMEOUT = "frame_timeout";
  public static final String CLOSED_FRAME_BUDGET = "frame_budget";
  public static final String CLOSED_REPLY_BACKLOG = "reply_backlog";
  public static final String CLOSED_REPLY_BUDGET = "reply_budget";
  public static final String CLOSED_UNKNOWN_CERTIFICATE = "unknown_certificate";
  public static final String CLOSED_TLS_HANDSHAKE = "tls_handshake";

  /** What the Redis client's own log lines were about. */
  public static final String CLIENT_ERROR_CONNECTION = "connection";
  public static final String CLIENT_ERROR_REPLY = "reply";
  public static final String CLIENT_ERROR_OTHER = "other";
  /** Why connections were expired (DESIGN §7). */
  public static final String EXPIRED_OWNER = "owner";
  public static final String EXPIRED_SESSION = "session";
  /** Where a change was fenced: refused before sending, or by the change script. */
  public static final String FENCED_LOCAL = "local";
  public static final String FENCED_REDIS = "redis";
  /** Why a lease was lost: it lapsed in Redis, or another process holds the instance id. */
  public static final String LEASE_LAPSED = "lapsed";
  public static final String LEASE_TAKEN = "taken";
  /** How a bridge authentication ended. */
  public static final String AUTH_OK = "ok";
  public static final String AUTH_REFUSED = "refused";
  /** How the convergence audit found a connection to differ from Redis (DESIGN §7). */
  public static final String AUDIT_MISSING_HERE = "missing_here";
  public static final String AUDIT_MISSING_IN_REDIS = "missing_in_redis";
  public static final String AUDIT_FIELD_DIFFERS = "field_differs";
  /** How a run of the convergence audit ended. */
  public static final String AUDIT_OK = "ok";
  public static final String AUDIT_FAILED = "failed";

  public static final String COMMANDS = metric("commands",
      "Commands answered, by address and outcome (ok, or the failure code 400/404/409/503/500)",
      label("address", Addresses.COMMANDS), label("outcome", OUTCOMES));
  public static final String COMMAND_DURATION = metric("command.duration",
      "Time from receiving a command to answering it, by address", label("address", Addresses.COMMANDS));
  public static final String REDIS_WRITES = metric("redis.writes",
      "Changes Redis stored, by path (critical, writebehind, legacy)", label("path", WRITE_PATHS));
  public static final String REDIS_WRITE_FAILURES = metric("redis.write.failures",
      "Failed attempts to store a change (or re-read one), by path and reason (connection, timeout, unavailable, "
          + "redis-error, noscript, no-connection, malformed, dropped, replicas, other)",
      label("path", FAILURE_PATHS), label("reason", FAILURE_REASONS));
  public static final String REDIS_WRITE_RETRIES = metric("redis.write.retries",
      "Write-behind writes sent again after a failure");
  public static final String REDIS_CONNECTIONS_LOST = metric("redis.connections.lost",
      "Redis connections lost; each is re-established by the sidecar");
  public static final String REDIS_CONNECT_FAILURES = metric("redis.connect.failures",
      "Failed attempts to connect or reconnect to Redis");
  public static final String REDIS_CLIENT_ERRORS = metric("redis.client.errors",
      "Problems the Vert.x Redis client logged on its own and the sidecar handled, by kind (connection: a reset "
          + "or closed socket; reply: a reply no request waited for; other), reported through the rate-limited log",
      label("kind", List.of(MetricNames.CLIENT_ERROR_CONNECTION, MetricNames.CLIENT_ERROR_REPLY,
          MetricNames.CLIENT_ERROR_OTHER)));
  public static final String REDIS_LATENCY = metric("redis.latency.seconds",
      "Round trip of the last scheduled PING to Redis (NaN while Redis is unreachable)");
  public static final String REDIS_UP = metric("redis.up",
      "1 if the last scheduled PING reached Redis, else 0");
  public static final String WRITES_COALESCED = metric("writes.coalesced",
      "Write-behind changes merged into a pending write instead of a write of their own");
  public static final String WRITES_REJECTED = metric("writes.rejected",
      "Write-behind changes refused with 503, by reason (backlog-full)",
      label("reason", List.of(REJECTED_BACKLOG_FULL)));
  public static final String PENDING_WRITES = metric("pending.writes",
      "Connections with changes acknowledged but not yet stored in Redis (the write-behind backlog)");
  public static final String PENDING_WRITES_LIMIT = metric("pending.writes.limit",
      "maxPendingHandles: the backlog size beyond which write-behind changes are refused");
  public static final String CONNECTIONS = metric("connections",
      "Live connections this sidecar holds, by state (Connected, LoggedIn)",
      label("state", java.util.Arrays.stream(ConnectionState.values()).map(ConnectionState::wire).toList()));
  public static final String EVENTS_RECEIVED = metric("events.received",
      "Change events received from Redis pub/sub, by origin (self, other)",
      label("origin", List.of("self", "other")));
  public static final String EVENTS_PUBLISHED = metric("events.published",
      "Change events published on connstate.events");
  public static final String EVENTS_MISSING = metric("events.missing",
      "1 from a lost event subscription's return until a resync published what it missed (events of that time are "
          + "known to be missing from connstate.events); else 0");
  public static final String RESYNC_FAILURES = metric("resync.failures",
      "Resyncs after a lost subscription that failed (Redis could not be read); each is retried after a backoff");
  public static final String RESYNC_EVENTS = metric("events.resynced",
      "Events published for changes missed while the event subscription was down, or found by the convergence audit");
  public static final String REREADS = metric("rereads",
      "Connections re-read from Redis to repair or complete this sidecar's copy, by reason "
          + "(gap, miss, stale, conflict, behind: an event no newer than one already published, resync: an event "
          + "arrived while a resync read the connection, overtaken: the connection was removed here while a read "
          + "of it was out, which may predate the removal)",
      label("reason", List.of(REREAD_GAP, REREAD_MISS, REREAD_STALE, REREAD_CONFLICT, REREAD_BEHIND, REREAD_RESYNC,
          REREAD_OVERTAKEN)));
  public static final String READY = metric("ready",
      "1 once the startup load finished and commands are answered, while the owner lease holds; else 0");
  public static final String STARTUP_LOAD = metric("startup.load.seconds",
      "How long the startup load took (NaN until it finished)");
  public static final String BRIDGE_CLIENTS = metric("bridge.clients",
      "TCP bridge clients connected");
  public static final String BRIDGE_FRAMES_REJECTED = metric("bridge.frames.rejected",
      "Bridge frames answered with an error or a closed socket, by reason",
      label("reason", List.of(FRAME_TOO_LARGE, FRAME_INVALID_JSON, FRAME_INVALID, FRAME_UNKNOWN_TYPE,
          FRAME_MISSING_ADDRESS, FRAME_ACCESS_DENIED, FRAME_UNAUTHENTICATED, FRAME_FORBIDDEN)));
  public static final String BRIDGE_CLIENTS_CLOSED = metric("bridge.clients.closed",
      "Bridge sockets the sidecar closed to protect itself, by reason (too_many_clients, auth_timeout, "
          + "frame_too_large, frame_timeout, frame_budget, reply_backlog, reply_budget, unknown_certificate: a client "
          + "certificate naming no configured client, tls_handshake: a failed TLS handshake)",
      label("reason", List.of(CLOSED_TOO_MANY_CLIENTS, CLOSED_AUTH_TIMEOUT, CLOSED_FRAME_TOO_LARGE,
          CLOSED_FRAME_TIMEOUT, CLOSED_FRAME_BUDGET, CLOSED_REPLY_BACKLOG, CLOSED_REPLY_BUDGET,
          CLOSED_UNKNOWN_CERTIFICATE, CLOSED_TLS_HANDSHAKE)));
  public static final String BRIDGE_AUTHENTICATIONS = metric("bridge.authentications",
      "Bridge authentications, by outcome (ok, refused)", label("outcome", List.of(AUTH_OK, AUTH_REFUSED)));
  public static final String BRIDGE_QUEUED_BYTES = metric("bridge.queued.bytes",
      "Reply and event bytes queued for bridge sockets, over all of them (bounded by bridge.maxQueuedBytes)");
  public static final String BRIDGE_PENDING_FRAME_BYTES = metric("bridge.pending.frame.bytes",
      "Bytes of partly received bridge frames, over all sockets (bounded by bridge.maxPendingFrameBytes)");
  public static final String METADATA_LIMIT = metric("metadata.limit",
      "Changes refused (400) because the connection would pass limits.maxMetadataKeys or maxMetadataBytes");
  public static final String OVERSIZED_RECORDS = metric("oversized.records",
      "Stored connections past the metadata limits, loaded without their metadata (written by hand or by an "
          + "older version)");
  public static final String BRIDGE_EVENTS_DROPPED = metric("bridge.events.dropped",
      "Events not delivered to a bridge client that was not reading fast enough");
  public static final String HISTORY_LOST = metric("history.lost",
      "Connections for which Redis held an older version than this sidecar had seen (writes lost in a failover); "
          + "each time, Redis's state was taken");
  public static final String LEGACY_READS = metric("legacy.reads",
      "Connections read from their v1 record because they had no v2 hash (startup load, reads, writes)");
  public static final String LEGACY_CONVERSIONS = metric("legacy.conversions",
      "v1 records converted to v2 hashes by this sidecar, before their first change");
  public static final String MALFORMED_RECORDS = metric("malformed.records",
      "Stored connections or events that could not be read, by where (load, stored, resync, event, active-member)",
      label("reason", List.of(MALFORMED_LOAD, MALFORMED_STORED, MALFORMED_RESYNC, MALFORMED_EVENT,
          MALFORMED_ACTIVE_MEMBER)));

  public static final String LEASE_HELD = metric("lease.held",
      "1 while this sidecar holds its owner lease (DESIGN §7) and may write; 0 while it is fenced (or leases are off)");
  public static final String LEASE_EPOCH = metric("lease.epoch",
      "The epoch of this sidecar's owner lease; it grows by one each time a lease is taken");
  public static final String LEASES_ACQUIRED = metric("leases.acquired",
      "Owner leases this sidecar took: one at start, one after each loss");
  public static final String LEASES_LOST = metric("leases.lost",
      "Owner leases this sidecar lost, by reason (lapsed: not renewed in time; taken: another process holds the "
          + "instance id)", label("reason", List.of(LEASE_LAPSED, LEASE_TAKEN)));
  public static final String FENCED_CHANGES = metric("fenced.changes",
      "Changes refused because this sidecar did not hold its owner lease, by where (local: before sending; redis: "
          + "by the change script)", label("where", List.of(FENCED_LOCAL, FENCED_REDIS)));
  public static final String CONNECTIONS_EXPIRED = metric("connections.expired",
      "Connections this sidecar expired, by reason (owner: the owner's lease was gone; session: the client "
          + "session ended)", label("reason", List.of(EXPIRED_OWNER, EXPIRED_SESSION)));
  public static final String REAPS = metric("reaps",
      "Dead owners whose connections this sidecar expired (it won the owner's reap claim)");
  public static final String SESSIONS_OPEN = metric("sessions.open",
      "Client sessions with at least one bridge socket on this sidecar");
  public static final String SESSIONS_IN_GRACE = metric("sessions.in.grace",
      "Client sessions whose last socket closed, waiting out sessionGraceMs before their connections expire");

  public static final String AUDIT_DIVERGENCE_RATIO = metric("audit.divergence.ratio",
      "Convergence audit: the share of the connections its last completed run compared that differed from Redis "
          + "(0 to 1; NaN until a run completed)");
  public static final String AUDIT_COMPARED = metric("audit.compared",
      "Convergence audit: connections compared with Redis (those changing while compared are left out)");
  public static final String AUDIT_DIVERGENCES = metric("audit.divergences",
      "Convergence audit: connections found to differ from Redis, each repaired from Redis, by kind (missing_here: "
          + "Redis holds it, this sidecar did not; missing_in_redis: this sidecar held it, Redis does not; "
          + "field_differs: both hold it, with different fields)",
      label("kind", List.of(AUDIT_MISSING_HERE, AUDIT_MISSING_IN_REDIS, AUDIT_FIELD_DIFFERS)));
  public static final String AUDIT_RUNS = metric("audit.runs",
      "Convergence audit runs, by outcome (ok; failed: Redis could not be read, the next interval runs again)",
      label("outcome", List.of(AUDIT_OK, AUDIT_FAILED)));

  private MetricNames() {
  }

  private static String metric(String name, String help, Label... labels) {
    HELP.put(PREFIX + name, help);
    LABELS.put(PREFIX + name, List.of(labels));
    return PREFIX + name;
  }

  private static Label label(String name, List<String> values) {
    return new Label(name, values);
  }

  private static String code(int failureCode) {
    return Integer.toString(failureCode);
  }

  /** A label of a metric and every value it takes. */
  public record Label(String name, List<String> values) {
  }

  /** The labels of a metric, each with its fixed set of values; empty for a metric without labels. */
  public static List<Label> labels(String name) {
    return LABELS.getOrDefault(name, List.of());
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
