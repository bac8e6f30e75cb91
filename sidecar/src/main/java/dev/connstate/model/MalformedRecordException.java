package dev.connstate.model;

/** A stored connection that cannot be read: the message names the handle and the bad field. */
public final class MalformedRecordException extends RuntimeException {
  public MalformedRecordException(String message) {
    super(message);
  }
}
