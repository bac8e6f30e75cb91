package dev.connstate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.testing.LogCapture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@DisplayName("The rate-limited problem log")
class RateLimitedLogTest {

  @Test
  @DisplayName("logs a kind at most once per interval, then reports how many happened meanwhile with a sample")
  void oneLinePerKindPerInterval() {
    AtomicLong now = new AtomicLong(1_000_000);
    RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger("dev.connstate.problems"), 5_000, now::get);
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 1_000; i++) {
        log.warn("write-behind write failed, will retry", "handle " + i + " keys [meta:W]", new RuntimeException("down"));
      }
      log.warn("another kind", "handle 7", null);
      assertThat(logs.lines()).containsExactly(
          "WARN write-behind write failed, will retry (handle 0 keys [meta:W]): down",
          "WARN another kind (handle 7)");
      now.addAndGet(5_000);
      log.warn("write-behind write failed, will retry", "handle 1000 keys [meta:W]", new RuntimeException("down"));
      assertThat(logs.lines()).last().isEqualTo(
          "WARN write-behind write failed, will retry: 1000 times since the last report, e.g. handle 1000 keys [meta:W]: down");
    }
  }
}
