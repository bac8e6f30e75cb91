package dev.connstate.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FailuresTest {
  @Test
  @DisplayName("each failure code of DESIGN §2 becomes its own exception, keeping code and message")
  void byCode() {
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 400, "handle: a JSON integer, got \"43\""))
        .isInstanceOf(BadRequestException.class).hasMessage("handle: a JSON integer, got \"43\"");
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 401, "m")).isInstanceOf(UnauthenticatedException.class);
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 403, "m")).isInstanceOf(ForbiddenException.class);
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 404, "m")).isInstanceOf(NotFoundException.class);
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 409, "m")).isInstanceOf(ConflictException.class);
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 500, "m")).isInstanceOf(InternalErrorException.class);
    ConnStateException unavailable = Failures.of(ReplyFailure.RECIPIENT_FAILURE, 503, "m");
    assertThat(unavailable).isInstanceOf(UnavailableException.class);
    assertThat(unavailable.code()).isEqualTo(503).isEqualTo(unavailable.failureCode());
    assertThat(unavailable.retryable()).isTrue();
  }

  @Test
  @DisplayName("TIMEOUT and NO_HANDLERS (failureCode -1) are unknown outcomes, safe to retry")
  void unknownOutcomes() {
    ConnStateException timeout = Failures.of(Failures.failureType("TIMEOUT"), -1, "Timed out after waiting 3000(ms)");
    assertThat(timeout).isInstanceOf(OutcomeUnknownException.class);
    assertThat(timeout.code()).isEqualTo(-1);
    assertThat(timeout.failureType()).isEqualTo(ReplyFailure.TIMEOUT);
    assertThat(timeout.retryable()).isTrue();
    assertThat(Failures.of(Failures.failureType("NO_HANDLERS"), -1, "No handlers"))
        .isInstanceOf(OutcomeUnknownException.class);
    assertThat(Failures.of(ReplyFailure.RECIPIENT_FAILURE, 418, "odd")).isInstanceOf(OutcomeUnknownException.class);
  }

  @Test
  @DisplayName("an event-bus ReplyException maps like a bridge err frame; other throwables pass through")
  void fromEventBus() {
    assertThat(Failures.of(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "bound")))
        .isInstanceOf(ConflictException.class).hasMessage("bound");
    IllegalStateException other = new IllegalStateException("x");
    assertThat(Failures.of(other)).isSameAs(other);
  }

  @Test
  @DisplayName("a 400 names its field; a 503 says whether the change may still be stored")
  void details() {
    assertThat(new BadRequestException("hndle: not a field of connstate.get (its fields: handle)").field())
        .isEqualTo("hndle");
    assertThat(new UnavailableException("Redis did not confirm the register of handle 52 within 2000 ms; it is not "
        + "acknowledged but may still be stored (retrying is safe)").mayBeStored()).isTrue();
    assertThat(new UnavailableException("the Redis connection failed during the bind of handle 3: it may or may not "
        + "be stored (retrying is safe)").mayBeStored()).isTrue();
    assertThat(new UnavailableException("Redis is unavailable: the bind of handle 3 was not stored (no connection "
        + "within 2000 ms); retry later").mayBeStored()).isFalse();
    assertThat(new UnavailableException("the write-behind backlog is full (1 handles wait for Redis); the change was "
        + "not applied, retry later").mayBeStored()).isFalse();
    assertThat(new NotFoundException("no connection with handle 42").retryable()).isFalse();
  }
}
