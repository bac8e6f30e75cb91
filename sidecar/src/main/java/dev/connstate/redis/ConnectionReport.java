package dev.connstate.redis;

import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the life of the sidecar's Redis connections: a lost connection and failed attempts
 * to reconnect are warnings (rate-limited: an outage touches every connection) and counted;
 * a restored connection is one info line saying how long it was down.
 */
public final class ConnectionReport implements ConnectionListener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionReport.class);
  private final Metrics metrics;
  private final RateLimitedLog problems;

  public ConnectionReport(Metrics metrics, RateLimitedLog problems) {
    this.metrics = metrics;
    this.problems = problems;
  }

  @Override
  public void lost(String name, Throwable cause) {
    metrics.redisConnectionLost();
    problems.warn("Redis connection lost, reconnecting", name, cause);
  }

  @Override
  public void reconnectFailed(String name, int attempt, long nextDelayMs, Throwable cause) {
    metrics.redisConnectFailure();
    String tls = RedisClients.tlsProblem(cause);
    problems.warn("cannot connect to Redis, will retry", name + ", attempt " + attempt + ", next in " + nextDelayMs
        + " ms" + (tls == null ? "" : "; TLS: " + tls), cause);
  }

  @Override
  public void restored(String name, int attempts, long downMs) {
    LOG.info("Redis connection {} restored after {} ms ({} attempts)", name, downMs, attempts);
  }
}
