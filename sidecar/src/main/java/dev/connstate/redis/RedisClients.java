package dev.connstate.redis;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.PemFiles;
import dev.connstate.config.SidecarConfig;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * Builds the Vert.x Redis client options from the configuration, the one place that does: the
 * mode is the client's own (standalone, sentinel, cluster), the URL may list several endpoints
 * separated by commas. The clients of single nodes that {@link SentinelMaster} and the cluster
 * scan open are derived from these options ({@link #node}), so they reach Redis the same way.
 *
 * <p>TLS (DESIGN §8): a {@code rediss://} endpoint is reached over TLS; the server's certificate
 * must chain to {@code redis.tls.caFile} when set, else to the JVM's trust store, and must name
 * the host connected to (a host name, or an IP address in its subject alternative names: a
 * Sentinel names the master by the address it monitors).
 */
public final class RedisClients {
  /**
   * Connections held for the sidecar's life besides one per shard: the event subscription, the
   * owner lease and the reaper. In Redis Cluster each holds one connection per master node.
   */
  private static final int HELD_CONNECTIONS = 3;
  /**
   * Connections borrowed for a moment: health checks, the startup load, client commands, and in
   * Redis Cluster the hash slot refresh. That refresh waits for a free connection, and every
   * request of every cluster connection waits for the refresh: a pool with none to spare stalls
   * them all.
   */
  private static final int SPARE_CONNECTIONS = 4;
  /** The scheme of a Redis URL over TLS. */
  private static final String TLS_SCHEME = "rediss";

  private RedisClients() {
  }

  /**
   * Client options for {@code url} with a pool large enough for the shards. Reads
   * {@code redis.tls.caFile}: throws a {@link dev.connstate.config.ConfigException} if it cannot.
   */
  public static RedisOptions options(SidecarConfig.RedisSettings settings, String url, int shards) {
    RedisOptions options = new RedisOptions()
        .setType(RedisClientType.valueOf(settings.mode().name()))
        .setNetClientOptions(netClient(settings))
        .setMaxPoolSize(poolSize(settings, shards))
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(65536)
        // RESP2: a hash arrives as a flat array read straight into a record; RESP3 makes the
        // client build a map of it first (a third of a 100,000-connection startup load)
        .setPreferredProtocolVersion(ProtocolVersion.RESP2);
    for (String endpoint : url.split(",")) {
      if (!endpoint.isBlank()) {
        options.addConnectionString(endpoint.trim());
      }
    }
    if (settings.mode() == SidecarConfig.RedisMode.SENTINEL) {
      options.setMasterName(settings.masterName()).setRole(RedisRole.MASTER);
    }
    return options;
  }

  /**
   * {@code redis.maxPoolSize}, or when 0 one connection per shard plus the held and spare ones.
   * Throws a {@link ConfigException} if the configured size leaves none to spare.
   */
  static int poolSize(SidecarConfig.RedisSettings settings, int shards) {
    int least = shards + HELD_CONNECTIONS + 1;
    if (settings.maxPoolSize() == 0) {
      return shards + HELD_CONNECTIONS + SPARE_CONNECTIONS;
    }
    if (settings.maxPoolSize() < least) {
      throw new ConfigException("redis.maxPoolSize (" + ConfigLoader.envName("redis.maxPoolSize") + ") is "
          + settings.maxPoolSize() + ", too few for " + shards + " shards: each shard holds one connection, the "
          + "event subscription, the owner lease and the reaper one each, and at least one must stay free for health "
          + "checks and Redis Cluster's slot refresh; set at least " + least + ", or 0 for " + (shards
          + HELD_CONNECTIONS + SPARE_CONNECTIONS));
    }
    return settings.maxPoolSize();
  }

  /**
   * Options for a standalone client of one node ({@code nodeUrl}: a Sentinel, a master, a
   * cluster node), with the TCP and TLS settings of {@code configured} (from {@link #options}).
   */
  public static RedisOptions node(RedisOptions configured, String nodeUrl, int maxPoolSize) {
    return new RedisOptions()
        .setConnectionString(nodeUrl)
        .setNetClientOptions(new NetClientOptions(configured.getNetClientOptions()))
        .setPreferredProtocolVersion(ProtocolVersion.RESP2)
        .setMaxPoolSize(maxPoolSize)
        .setMaxPoolWaiting(1024);
  }

  public static Redis create(Vertx vertx, SidecarConfig.RedisSettings settings, String url, int shards) {
    return Redis.createClient(vertx, options(settings, url, shards));
  }

  /**
   * {@code rediss://} or {@code redis://}, as {@code url} (its first endpoint) is reached: the
   * prefix of the URL of a node it leads to (the master a Sentinel names, a cluster's masters).
   */
  public static String schemeOf(String url) {
    return url.trim().startsWith(TLS_SCHEME + "://") ? TLS_SCHEME + "://" : "redis://";
  }

  /**
   * What an operator should know of a failed connection that TLS refused, or null if TLS was not
   * the problem: the certificate is not trusted, does not name the host, or the port does not
   * speak TLS.
   */
  public static String tlsProblem(Throwable failure) {
    Throwable ssl = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
          || message.contains("PKIX path")) {
        return "the Redis server's certificate is not trusted: set redis.tls.caFile ("
            + ConfigLoader.envName("redis.tls.caFile") + ") to the PEM of the CA that signed it";
      }
      if (t instanceof CertificateException && (message.contains("No subject alternative")
          || message.contains("No name matching"))) {
        return "the Redis server's certificate does not name the host connected to (" + message + ")";
      }
      if (t instanceof SslHandshakeTimeoutException || message.contains("Unsupported or unrecognized SSL message")) {
        return "no TLS handshake: does this port speak TLS? (rediss:// needs Redis's tls-port; redis:// is plain TCP)";
      }
      if (t instanceof SSLException && ssl == null) {
        ssl = t;
      }
    }
    return ssl == null ? null : "the handshake failed";
  }

  /**
   * TCP settings (the Redis client's defaults) and TLS settings, used by the {@code rediss://}
   * endpoints only: a {@code redis://} endpoint is plain TCP, and a {@code rediss://} one is
   * upgraded to TLS as soon as it is connected. The host name is always verified (HTTPS's rules):
   * Vert.x 5 refuses a TLS connection whose options name no algorithm ("Missing hostname
   * verification algorithm"), and {@code ""} would accept any certificate the CA signed.
   */
  private static NetClientOptions netClient(SidecarConfig.RedisSettings settings) {
    NetClientOptions net = new NetClientOptions(new RedisOptions().getNetClientOptions())
        .setHostnameVerificationAlgorithm("HTTPS");
    if (settings.tlsCaFile() != null) {
      net.setTrustOptions(PemFiles.trust("redis.tls.caFile", settings.tlsCaFile()));
    }
    return net;
  }
}
