package dev.connstate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@DisplayName("The Redis client's own error lines: counted and rate-limited, not a stack trace per reset")
class RedisClientLogTest {
  private final Metrics metrics = new Metrics(new SimpleMeterRegistry());
  private final Logger client = (Logger) LoggerFactory.getLogger("io.vertx.redis.client.impl.RedisConnectionManager");
  private final Logger problems = (Logger) LoggerFactory.getLogger("test.redis-client-log.problems");
  private final ListAppender<ILoggingEvent> clientLines = new ListAppender<>();
  private final ListAppender<ILoggingEvent> problemLines = new ListAppender<>();
  private Runnable uninstall;
  private Level levelBefore;

  @BeforeEach
  void install() {
    clientLines.start();
    problemLines.start();
    levelBefore = client.getLevel();
    client.setLevel(Level.DEBUG);
    client.addAppender(clientLines);
    problems.addAppender(problemLines);
    uninstall = RedisClientLog.install(metrics, new RateLimitedLog(problems, 60_000));
  }

  @AfterEach
  void remove() {
    uninstall.run();
    client.detachAppender(clientLines);
    client.setLevel(levelBefore);
    problems.detachAppender(problemLines);
  }

  @Test
  @DisplayName("fifty resets: no client line, each counted as connection, one rate-limited line without a stack trace")
  void resets() {
    for (int i = 0; i < 49; i++) {
      client.error("Unhandled Error", new IOException("Connection reset by peer"));
    }
    client.error("Unhandled Error", new io.vertx.core.VertxException("Connection was closed"));
    assertThat(clientLines.list).isEmpty();
    assertThat(count(MetricNames.CLIENT_ERROR_CONNECTION)).isEqualTo(50);
    assertThat(problemLines.list).singleElement().satisfies(line -> {
      assertThat(line.getFormattedMessage()).contains("the Redis client reported a problem it handled (connection)")
          .contains("RedisConnectionManager: Unhandled Error").contains("Connection reset by peer");
      assertThat(line.getThrowableProxy()).isNull();
    });
  }

  @Test
  @DisplayName("a socket reset before the Redis client set its handler (Vert.x's ConnectionBase) is counted and rate-limited too")
  void unhandledSocketErrors() {
    Logger sockets = (Logger) LoggerFactory.getLogger("io.vertx.core.net.impl.ConnectionBase");
    ListAppender<ILoggingEvent> socketLines = new ListAppender<>();
    socketLines.start();
    sockets.addAppender(socketLines);
    try {
      sockets.error("Connection reset", new java.net.SocketException("Connection reset"));
      sockets.error("Connection reset", new java.net.SocketException("Connection reset"));
      assertThat(socketLines.list).isEmpty();
      assertThat(count(MetricNames.CLIENT_ERROR_CONNECTION)).isEqualTo(2);
      assertThat(problemLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
          .contains("ConnectionBase: Connection reset"));
    } finally {
      sockets.detachAppender(socketLines);
    }
  }

  @Test
  @DisplayName("a reply no request waited for is its own kind; the client's INFO and DEBUG lines pass untouched")
  void kindsAndLevels() {
    client.error("No handler waiting for message: {}", "PONG");
    client.info("an informational line");
    assertThat(count(MetricNames.CLIENT_ERROR_REPLY)).isEqualTo(1);
    assertThat(count(MetricNames.CLIENT_ERROR_OTHER)).isZero();
    assertThat(clientLines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("an informational line");
    assertThat(problemLines.list).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
        .contains("(reply)").contains("No handler waiting for message: PONG"));
  }

  @Test
  @DisplayName("once removed, the client's lines reach the log again")
  void removable() {
    uninstall.run();
    uninstall = () -> { };
    client.error("Unhandled Error", new IOException("reset"));
    assertThat(clientLines.list).hasSize(1);
    assertThat(count(MetricNames.CLIENT_ERROR_CONNECTION)).isZero();
  }

  private double count(String kind) {
    return metrics.registry().get(MetricNames.REDIS_CLIENT_ERRORS).tag("kind", kind).counter().count();
  }
}
