package dev.connstate.client;

import dev.connstate.protocol.FailureCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Maps a failure code and message, from either transport, to its typed exception. */
final class Failures {
  private Failures() {
  }

  /** The typed exception for a failed request; -1 and codes outside DESIGN §2 are unknown outcomes. */
  static ConnStateException of(ReplyFailure failure, int code, String message) {
    if (failure == ReplyFailure.TIMEOUT || failure == ReplyFailure.NO_HANDLERS) {
      return new OutcomeUnknownException(failure, message);
    }
    return switch (code) {
      case FailureCode.BAD_REQUEST -> new BadRequestException(message);
      case FailureCode.UNAUTHENTICATED -> new UnauthenticatedException(message);
      case FailureCode.FORBIDDEN -> new ForbiddenException(message);
      case FailureCode.NOT_FOUND -> new NotFoundException(message);
      case FailureCode.CONFLICT -> new ConflictException(message);
      case FailureCode.UNAVAILABLE -> new UnavailableException(message);
      case FailureCode.INTERNAL -> new InternalErrorException(message);
      default -> new OutcomeUnknownException(failure == null ? ReplyFailure.RECIPIENT_FAILURE : failure,
          "unexpected failure " + code + ": " + message);
    };
  }

  /** The bridge's {@code failureType} string as a {@link ReplyFailure}; unknown names are recipient failures. */
  static ReplyFailure failureType(String name) {
    if (name == null) {
      return ReplyFailure.RECIPIENT_FAILURE;
    }
    for (ReplyFailure f : ReplyFailure.values()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return ReplyFailure.RECIPIENT_FAILURE;
  }

  /** An event-bus failure as its typed exception; other throwables pass unchanged. */
  static Throwable of(Throwable failure) {
    if (failure instanceof ConnStateException) {
      return failure;
    }
    if (failure instanceof ReplyException reply) {
      return of(reply.failureType(), reply.failureCode(), reply.getMessage());
    }
    return failure;
  }
}
