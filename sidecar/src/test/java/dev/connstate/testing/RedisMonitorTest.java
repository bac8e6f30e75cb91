package dev.connstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A MONITOR line")
class RedisMonitorTest {
  @Test
  @DisplayName("names its source and its arguments, with the C-style escapes undone")
  void parsesLine() {
    RedisMonitor.Command c = RedisMonitor.parse("1700000000.123456 [0 lua] \"SET\" \"k\" "
        + "\"{\\\"a\\\":\\\"b\\\\\\\\c\\\"}\" \"\\n\\r\\t\\a\\b\" \"caf\\xc3\\xa9\" \"\"");
    assertThat(c.source()).isEqualTo("lua");
    assertThat(c.fromScript()).isTrue();
    assertThat(c.name()).isEqualTo("SET");
    assertThat(c.args()).containsExactly("k", "{\"a\":\"b\\\\c\"}", "\n\r\t\u0007\b", "café", "");
  }

  @Test
  @DisplayName("from a client names the client's address")
  void parsesClientLine() {
    RedisMonitor.Command c = RedisMonitor.parse("1700000000.123456 [3 127.0.0.1:51234] \"ECHO\" \"x y\"");
    assertThat(c.source()).isEqualTo("127.0.0.1:51234");
    assertThat(c.fromScript()).isFalse();
    assertThat(c.words()).isEqualTo(List.of("ECHO", "x y"));
    assertThat(c.render()).isEqualTo("ECHO x y");
  }
}
