package dev.connstate.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * Captures what the sidecar logs (every logger under {@code dev.connstate}, from INFO) while a
 * test runs, so tests can assert that a failure was reported, not only counted.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger("dev.connstate");
  private final Level previous = logger.getLevel();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture() {
    appender.start();
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
  }

  /** Every captured line, as "LEVEL message". */
  public List<String> lines() {
    synchronized (appender.list) {
      return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).collect(Collectors.toList());
    }
  }

  /** True if some captured line at WARN or above contains {@code text}. */
  public boolean warned(String text) {
    synchronized (appender.list) {
      return appender.list.stream().anyMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
          && e.getFormattedMessage().contains(text));
    }
  }

  /** True if some captured line contains {@code text}. */
  public boolean logged(String text) {
    return lines().stream().anyMatch(l -> l.contains(text));
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previous);
  }
}
