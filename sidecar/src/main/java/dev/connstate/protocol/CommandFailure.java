package dev.connstate.protocol;

/**
 * A command that failed in a way the caller can act on; becomes a reply failure with
 * {@link #code()} (one of {@link FailureCode}) and the message. Carries no stack trace: it is
 * an answer, not a bug.
 */
public final class CommandFailure extends RuntimeException {
  private final int code;

  public CommandFailure(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** 400: names the field and what was expected. */
  public static CommandFailure badRequest(String field, String expected) {
    return new CommandFailure(FailureCode.BAD_REQUEST, field + ": " + expected);
  }

  /** 404 for a handle. */
  public static CommandFailure notFound(long handle) {
    return new CommandFailure(FailureCode.NOT_FOUND, "no connection with handle " + handle);
  }

  /** 409 with an explanation. */
  public static CommandFailure conflict(String message) {
    return new CommandFailure(FailureCode.CONFLICT, message);
  }

  /** 503 with an explanation. */
  public static CommandFailure unavailable(String message) {
    return new CommandFailure(FailureCode.UNAVAILABLE, message);
  }
}
