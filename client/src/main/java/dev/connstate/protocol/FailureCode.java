package dev.connstate.protocol;

/** The failure codes of DESIGN §2, carried as the {@code failureCode} of a reply failure. */
public final class FailureCode {
  /** The body is malformed; the message names the field and what was expected. */
  public static final int BAD_REQUEST = 400;
  /** The bridge client is not authenticated. */
  public static final int UNAUTHENTICATED = 401;
  /** The bridge client may not use this address. */
  public static final int FORBIDDEN = 403;
  /** No connection has this handle. */
  public static final int NOT_FOUND = 404;
  /** The command conflicts with the connection's current state. */
  public static final int CONFLICT = 409;
  /** A bug; logged with a stack trace. */
  public static final int INTERNAL = 500;
  /** Redis did not store a critical change in time, or the write-behind backlog is full. */
  public static final int UNAVAILABLE = 503;

  private FailureCode() {
  }
}
