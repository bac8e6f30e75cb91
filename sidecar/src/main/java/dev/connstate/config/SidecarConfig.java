package dev.connstate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sidecar's validated configuration. Every value here has passed its range check; the
 * documentation of each key (unit, default, limits) is in {@code docs/configuration.md} and the
 * defaults in {@code config/connstate.json}.
 *
 * @param instanceId this sidecar's stable id: the {@code owner} of the connections it registers
 *     and the {@code origin} of its events; defaults to the host name
 * @param keyPrefix prefix of every Redis key
 * @param shards number of shard verticles; 0 means one per event-loop thread
 * @param connectionTtlMs a connection hash expires after this long without writes
 * @param criticalTimeoutMs how long a critical change may wait for Redis before it answers 503
 * @param criticalMetadataKeys metadata keys whose updates are always critical
 * @param maxPendingHandles bound of the write-behind backlog, in handles with unstored changes
 * @param writeBehindDelayMs how long a write-behind change waits for more changes of its handle
 *     to merge with before it is sent (0: sent at once)
 * @param shutdownDrainMs how long a stopping sidecar tries to flush pending writes
 * @param degradedLatencyMs Redis round trip above which health is DEGRADED
 * @param logLevel root log level
 * @param eventBusMetrics whether Vert.x's event-bus metrics ({@code vertx_eventbus_*}) are kept:
 *     off by default, they cost about a tenth of the CPU per command
 * @param legacyRetries {@code store.schema = legacy}: retries of a conflicting v1 transaction (v1: 10)
 * @param liveness owner leases, client sessions and the convergence audit (DESIGN §7)
 */
public record SidecarConfig(
    String instanceId,
    String keyPrefix,
    int shards,
    long connectionTtlMs,
    long criticalTimeoutMs,
    Set<String> criticalMetadataKeys,
    int maxPendingHandles,
    long writeBehindDelayMs,
    long shutdownDrainMs,
    long degradedLatencyMs,
    String logLevel,
    boolean eventBusMetrics,
    int legacyRetries,
    RedisSettings redis,
    StoreSchema schema,
    BridgeSettings bridge,
    HttpSettings http,
    Limits limits,
    LivenessSettings liveness) {

  private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern KEY_PREFIX = Pattern.compile("[\\x21-\\x7e&&[^\"'\\\\{}]]{0,64}");

  /**
   * Redis connection settings. {@code url} null means: start an embedded Redis (development).
   *
   * @param criticalReplicas replicas that must hold a critical change (Redis {@code WAIT})
   *     before it is acknowledged; resolved from -1 to the mode's default (standalone 0,
   *     sentinel and cluster 1)
   * @param replicaAckTimeoutMs how long one {@code WAIT} may block the shard's connection: the
   *     configured value, at most half of {@code criticalTimeoutMs}
   * @param tlsCaFile PEM file of the CA that signed Redis's certificate ({@code rediss://}); null:
   *     the JVM's trust store
   */
  public record RedisSettings(String url, RedisMode mode, String masterName, int maxPoolSize, int loadBatchSize,
                              int criticalReplicas, long replicaAckTimeoutMs, String tlsCaFile) {
    /** True when no Redis is configured and {@code serve} must start its own. */
    public boolean embedded() {
      return url == null;
    }

    /** The default of {@code criticalReplicas} in each mode: replicas are what a failover promotes. */
    static int defaultReplicas(RedisMode mode) {
      return mode == RedisMode.STANDALONE ? 0 : 1;
    }
  }

  /**
   * TCP event-bus bridge settings (DESIGN §8); port 0 picks a free port. Sizes in bytes, times in ms.
   *
   * @param clients the clients configured inline ({@code name role sha256-hex} each)
   * @param clientsFile a file of more such lines (a mounted secret), or null
   * @param allowUnauthenticated bind an interface other than loopback with no clients configured
   * @param authTimeoutMs a socket that has not authenticated by then is closed
   * @param maxClients sockets at once; more are closed at once
   * @param maxFrameBytes largest frame a client may send
   * @param frameTimeoutMs a frame must arrive whole within this, or the socket is closed
   * @param maxPendingFrameBytes bytes of partly received frames over all sockets; a frame that
   *     would pass it is refused and its socket closed
   * @param maxInflightPerClient unanswered requests per socket before it is no longer read
   * @param maxWriteQueueBytes reply bytes queued for a socket before it is no longer read
   * @param maxQueuedBytesPerClient reply bytes queued for a socket beyond which it is closed
   * @param maxQueuedBytes reply bytes queued over all sockets beyond which the socket holding the
   *     most is closed
   */
  public record BridgeSettings(String host, int port, List<ClientSpec> clients, String clientsFile,
                               boolean allowUnauthenticated, long authTimeoutMs, int maxClients, int maxFrameBytes,
                               long frameTimeoutMs, long maxPendingFrameBytes, long requestTimeoutMs,
                               int maxInflightPerClient, int maxWriteQueueBytes, long maxQueuedBytesPerClient,
                               long maxQueuedBytes, TlsSettings tls) {
    /** True if the bridge listens only on a loopback address. */
    public boolean loopbackOnly() {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
  }

  /**
   * TLS for the bridge: a PEM certificate and key turn it on; a client CA file requires client
   * certificates, whose subject CN names the client.
   */
  public record TlsSettings(String certFile, String keyFile, String clientCaFile) {
    public boolean enabled() {
      return certFile != null;
    }
  }

  /** Health and metrics HTTP settings; port 0 picks a free port. */
  public record HttpSettings(String host, int port) {
  }

  /**
   * Liveness (DESIGN §7). Times in ms.
   *
   * @param leaseTtlMs the owner lease's expiry, renewed every third of it; 0 turns leases off
   * @param reapIntervalMs how often a sidecar looks for owners whose lease is gone (resolved
   *     from 0 to half the lease)
   * @param sessionGraceMs how long a client session's connections outlive its last socket
   * @param auditIntervalMs how often the convergence audit runs; 0 turns it off
   * @param auditSample how many connections one audit compares with Redis, at most
   */
  public record LivenessSettings(long leaseTtlMs, long reapIntervalMs, long sessionGraceMs, long auditIntervalMs,
                                 int auditSample) {
    public boolean leases() {
      return leaseTtlMs > 0;
    }
  }

  /** Deployment topology of Redis, as the Vert.x Redis client names it. */
  public enum RedisMode { STANDALONE, SENTINEL, CLUSTER }

  /** How connections are stored (DESIGN §4). */
  public enum StoreSchema { HASH, DUAL, LEGACY }

  /** Builds and validates the configuration from its merged JSON form. */
  public static SidecarConfig from(JsonObject json) {
    Reader r = new Reader(json);
    String instanceId = r.optionalString("instanceId");
    if (instanceId == null) {
      instanceId = hostName();
    }
    if (!INSTANCE_ID.matcher(instanceId).matches()) {
      throw r.invalid("instanceId", "1 to 128 of A-Z a-z 0-9 . _ : -", instanceId);
    }
    String keyPrefix = r.string("keyPrefix");
    if (!KEY_PREFIX.matcher(keyPrefix).matches()) {
      throw r.invalid("keyPrefix", "up to 64 printable ASCII characters without quotes, backslash or braces", keyPrefix);
    }
    RedisMode mode = r.choice("redis.mode", RedisMode.class);
    int replicas = r.intIn("redis.criticalReplicas", -1, 16);
    long criticalTimeoutMs = r.longIn("criticalTimeoutMs", 1, 600_000);
    // a WAIT that outlasts the critical timeout could only be answered by the timeout's vaguer 503
    long replicaAckTimeoutMs = Math.min(r.longIn("redis.replicaAckTimeoutMs", 1, 600_000),
        Math.max(1, criticalTimeoutMs / 2));
    RedisSettings redis = new RedisSettings(
        r.optionalString("redis.url"),
        mode,
        r.string("redis.masterName"),
        r.intIn("redis.maxPoolSize", 0, 1024),
        r.intIn("redis.loadBatchSize", 1, 100_000),
        replicas < 0 ? RedisSettings.defaultReplicas(mode) : replicas,
        replicaAckTimeoutMs,
        r.optionalString("redis.tls.caFile"));
    if (redis.tlsCaFile() != null && (redis.embedded() || !allTls(redis.url()))) {
      throw new ConfigException("redis.tls.caFile (" + ConfigLoader.envName("redis.tls.caFile") + ") is set, but "
          + "redis.url (" + ConfigLoader.envName("redis.url") + ") does not reach every endpoint over TLS: write "
          + "rediss:// for each, or unset redis.tls.caFile");
    }
    BridgeSettings bridge = new BridgeSettings(
        r.string("bridge.host"),
        r.intIn("bridge.port", 0, 65535),
        r.clients("bridge.clients"),
        r.optionalString("bridge.clientsFile"),
        r.bool("bridge.allowUnauthenticated"),
        r.longIn("bridge.authTimeoutMs", 100, 600_000),
        r.intIn("bridge.maxClients", 1, 1_000_000),
        r.intIn("bridge.maxFrameBytes", 1024, 64 * 1024 * 1024),
        r.longIn("bridge.frameTimeoutMs", 100, 3_600_000),
        r.longIn("bridge.maxPendingFrameBytes", 1024 * 1024, 1L << 40),
        r.longIn("bridge.requestTimeoutMs", 1, 3_600_000),
        r.intIn("bridge.maxInflightPerClient", 1, 1_000_000),
        r.intIn("bridge.maxWriteQueueBytes", 64 * 1024, 1024 * 1024 * 1024),
        r.longIn("bridge.maxQueuedBytesPerClient", 64 * 1024, 1L << 40),
        r.longIn("bridge.maxQueuedBytes", 1024 * 1024, 1L << 40),
        new TlsSettings(r.optionalString("bridge.tls.certFile"), r.optionalString("bridge.tls.keyFile"),
            r.optionalString("bridge.tls.clientCaFile")));
    if (bridge.tls().enabled() != (bridge.tls().keyFile() != null)) {
      throw new ConfigException("bridge.tls.certFile and bridge.tls.keyFile (" + ConfigLoader.envName("bridge.tls.certFile")
          + ", " + ConfigLoader.envName("bridge.tls.keyFile") + ") go together: set both for TLS, or neither");
    }
    if (bridge.tls().clientCaFile() != null && !bridge.tls().enabled()) {
      throw new ConfigException("bridge.tls.clientCaFile needs bridge.tls.certFile and keyFile: client certificates "
          + "are asked for only over TLS");
    }
    HttpSettings http = new HttpSettings(r.string("http.host"), r.intIn("http.port", 0, 65535));
    Limits limits = new Limits(
        r.intIn("limits.maxKeyLength", 1, 1024),
        r.intIn("limits.maxValueBytes", 1, 1024 * 1024),
        r.intIn("limits.maxKeysPerUpdate", 1, 1000),
        r.intIn("limits.maxFieldLength", 1, 4096),
        r.intIn("limits.maxTouchHandles", 1, 100_000),
        r.intIn("limits.maxListLimit", 1, 1_000_000),
        r.intIn("limits.maxMetadataKeys", 1, 100_000),
        r.intIn("limits.maxMetadataBytes", 1024, 64 * 1024 * 1024),
        r.intIn("limits.maxReplyBytes", 64 * 1024, 1024 * 1024 * 1024));
    StoreSchema schema = r.choice("store.schema", StoreSchema.class);
    if (schema != StoreSchema.HASH && redis.mode() == RedisMode.CLUSTER) {
      throw new ConfigException("store.schema (" + ConfigLoader.envName("store.schema") + "): '"
          + schema.name().toLowerCase(Locale.ROOT) + "' needs one Redis (standalone or sentinel), as v1 had: a v1 key"
          + " and the v2 hash of one connection live in different Redis Cluster slots");
    }
    return new SidecarConfig(
        instanceId,
        keyPrefix,
        r.intIn("shards", 0, 1024),
        r.longIn("connectionTtlMs", 1000, 365L * 24 * 3600 * 1000),
        criticalTimeoutMs,
        r.stringSet("criticalMetadataKeys"),
        r.intIn("maxPendingHandles", 1, 100_000_000),
        r.longIn("writeBehindDelayMs", 0, 10_000),
        r.longIn("shutdownDrainMs", 0, 600_000),
        r.longIn("degradedLatencyMs", 1, 600_000),
        r.choice("logLevel", LogLevel.class).name(),
        r.bool("eventBusMetrics"),
        r.intIn("store.legacyRetries", 0, 100),
        redis,
        schema,
        bridge,
        http,
        limits,
        liveness(r));
  }

  private static LivenessSettings liveness(Reader r) {
    long ttl = r.longIn("leaseTtlMs", 0, 3_600_000);
    if (ttl > 0 && ttl < 300) {
      throw r.invalid("leaseTtlMs", "0 (off) or at least 300", ttl);
    }
    long reap = r.longIn("reapIntervalMs", 0, 3_600_000);
    return new LivenessSettings(ttl, reap > 0 ? reap : Math.max(100, ttl / 2), r.longIn("sessionGraceMs", 0, 86_400_000),
        r.longIn("auditIntervalMs", 0, 86_400_000), r.intIn("auditSample", 1, 1_000_000));
  }

  /** The shard count in effect: the configured number, or one per event-loop thread. */
  public int effectiveShards(int eventLoops) {
    return shards > 0 ? shards : Math.max(1, eventLoops);
  }

  private enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR }

  /** True if every endpoint of a Redis URL list is {@code rediss://}. */
  private static boolean allTls(String url) {
    for (String endpoint : url.split(",")) {
      if (!endpoint.isBlank() && !endpoint.trim().startsWith("rediss://")) {
        return false;
      }
    }
    return true;
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && INSTANCE_ID.matcher(env).matches()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new ConfigException("instanceId is not set and the host name cannot be read (" + e.getMessage()
          + "): set " + ConfigLoader.envName("instanceId"));
    }
  }

  /** Reads typed values by path and explains every rejection with the key and its variable. */
  private static final class Reader {
    private final JsonObject root;

    Reader(JsonObject root) {
      this.root = root;
    }

    Object value(String path) {
      String[] parts = path.split("\\.");
      JsonObject at = root;
      for (int i = 0; i < parts.length - 1; i++) {
        at = at.getJsonObject(parts[i]);
      }
      return at.getValue(parts[parts.length - 1]);
    }

    ConfigException invalid(String path, String expected, Object got) {
      return new ConfigException(path + " (" + ConfigLoader.envName(path) + "): expected " + expected
          + ", got " + (got instanceof String ? "'" + got + "'" : String.valueOf(got)));
    }

    String string(String path) {
      String s = optionalString(path);
      if (s == null) {
        throw invalid(path, "a string", null);
      }
      return s;
    }

    String optionalString(String path) {
      Object v = value(path);
      if (v != null && !(v instanceof String)) {
        throw invalid(path, "a string", v);
      }
      String s = (String) v;
      return s == null || s.isBlank() ? null : s.trim();
    }

    long longIn(String path, long min, long max) {
      Object v = value(path);
      if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > max) {
        throw invalid(path, "an integer from " + min + " to " + max, v);
      }
      return n.longValue();
    }

    boolean bool(String path) {
      Object v = value(path);
      if (!(v instanceof Boolean b)) {
        throw invalid(path, "true or false", v);
      }
      return b;
    }

    int intIn(String path, int min, int max) {
      return (int) longIn(path, min, max);
    }

    <E extends Enum<E>> E choice(String path, Class<E> type) {
      String s = string(path);
      try {
        return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        StringBuilder names = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
          names.append(names.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
        }
        throw invalid(path, "one of " + names, s);
      }
    }

    List<ClientSpec> clients(String path) {
      Object v = value(path);
      if (!(v instanceof JsonArray array)) {
        throw invalid(path, "a list of 'name role sha256-hex' strings", v);
      }
      List<ClientSpec> clients = new java.util.ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof String line)) {
          throw invalid(path + "[" + i + "]", "a string 'name role sha256-hex'", array.getValue(i));
        }
        try {
          clients.add(ClientSpec.parse(line));
        } catch (IllegalArgumentException e) {
          // the line holds a digest, never a token: it may be shown
          throw new ConfigException(path + "[" + i + "] (" + ConfigLoader.envName(path) + "): " + e.getMessage());
        }
      }
      return List.copyOf(clients);
    }

    Set<String> stringSet(String path) {
      Object v = value(path);
      if (!(v instanceof JsonArray array)) {
        throw invalid(path, "a list of strings", v);
      }
      Set<String> out = new LinkedHashSet<>();
      for (Object item : array) {
        if (!(item instanceof String s) || s.isBlank()) {
          throw invalid(path, "a list of non-empty strings", item);
        }
        out.add(s);
      }
      return Set.copyOf(out);
    }
  }
}
