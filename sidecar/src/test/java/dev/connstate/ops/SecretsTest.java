package dev.connstate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Passwords never reach a log")
class SecretsTest {

  @Test
  @DisplayName("the password of every URL in a text is replaced, user and host kept")
  void redacts() {
    assertThat(Secrets.redact("starting: Redis redis://:S3cretPw@10.0.0.5:6400/0 (standalone)"))
        .isEqualTo("starting: Redis redis://:***@10.0.0.5:6400/0 (standalone)");
    assertThat(Secrets.redact("rediss://app:p%40ss@a:6380,redis://app:other@b:6400"))
        .isEqualTo("rediss://app:***@a:6380,redis://app:***@b:6400");
  }

  @Test
  @DisplayName("a URL without a password, and plain text, stay as they are")
  void leavesTheRest() {
    assertThat(Secrets.redact("redis://10.0.0.5:6400")).isEqualTo("redis://10.0.0.5:6400");
    assertThat(Secrets.redact("handle 42: time 12:30@noon")).isEqualTo("handle 42: time 12:30@noon");
    assertThat(Secrets.redact(null)).isNull();
  }
}
