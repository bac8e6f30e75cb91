package dev.connstate.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * What the Vert.x Redis client logs on its own, taken out of the log and counted. Its pooled
 * connections log every reset or unexpected reply as an ERROR with a stack trace ("Unhandled
 * Error"): one per connection per fault, dozens in a minute of Redis restarts, each already
 * handled by the sidecar (the connection is replaced, the request failed and retried). Here each
 * such line is counted in {@code connstate_redis_client_errors_total{kind}} and reported through
 * the rate-limited problem log, one line per kind per interval with a sample and no stack trace.
 *
 * <p>Only WARN and ERROR lines of the client's own loggers ({@code io.vertx.redis.client.*}) and
 * of Vert.x's socket base for sockets nobody handles errors of (only the Redis client's, in the
 * sidecar) are taken; everything else passes untouched. Installed on logback's context for the sidecar's life;
 * with several sidecars in one JVM (tests) the first installed takes the lines.
 */
public final class RedisClientLog extends TurboFilter {
  private static final String CLIENT_LOGGERS = "io.vertx.redis.client";
  /**
   * Vert.x's socket base logs an error of a socket with no exception handler. Every socket the
   * sidecar opens or accepts has one, so what lands here is the Redis client's, reset during its
   * handshake (before it sets its handler).
   */
  private static final String UNHANDLED_SOCKET_ERRORS = "io.vertx.core.net.impl.ConnectionBase";

  private final Metrics metrics;
  private final RateLimitedLog problems;

  private RedisClientLog(Metrics metrics, RateLimitedLog problems) {
    this.metrics = metrics;
    this.problems = problems;
    setName("connstate-redis-client-log");
  }

  /**
   * Installs the filter, if logback is the logging backend (it is in the jar); returns a handle
   * whose {@code run()} removes it again.
   */
  public static Runnable install(Metrics metrics, RateLimitedLog problems) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return () -> { };
    }
    RedisClientLog filter = new RedisClientLog(metrics, problems);
    filter.start();
    context.addTurboFilter(filter);
    return () -> {
      context.getTurboFilterList().remove(filter);
      filter.stop();
    };
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format == null || !level.isGreaterOrEqual(Level.WARN) || !logger.getName().startsWith(CLIENT_LOGGERS)
        && !logger.getName().equals(UNHANDLED_SOCKET_ERRORS)) {
      return FilterReply.NEUTRAL;
    }
    Throwable cause = t != null ? t : MessageFormatter.getThrowableCandidate(params);
    String kind = kindOf(format, cause);
    metrics.redisClientError(kind);
    String message = MessageFormatter.arrayFormat(format, params).getMessage();
    problems.warn("the Redis client reported a problem it handled (" + kind + ")", shortLogger(logger) + ": "
        + message, cause);
    return FilterReply.DENY;
  }

  static String kindOf(String format, Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof ClosedChannelException || String.valueOf(c.getMessage())
          .matches("(?i)connection (was|is) closed.*")) {
        return MetricNames.CLIENT_ERROR_CONNECTION;
      }
    }
    if (format.startsWith("No handler waiting") || format.contains("already complete")) {
      return MetricNames.CLIENT_ERROR_REPLY;
    }
    return MetricNames.CLIENT_ERROR_OTHER;
  }

  private static String shortLogger(Logger logger) {
    String name = logger.getName();
    return name.substring(name.lastIndexOf('.') + 1);
  }
}
