package dev.connstate.model;

/**
 * The states of a live connection, with their stable wire names. A disconnected connection has
 * no state: it is removed.
 *
 * <p>Legal transitions: register creates {@link #CONNECTED}; bind moves to {@link #LOGGED_IN}
 * (again binding the same player is a no-op; binding another player is a conflict, 409);
 * unbind moves back to {@link #CONNECTED} (a no-op when not logged in).
 */
public enum ConnectionState {
  CONNECTED("Connected"),
  LOGGED_IN("LoggedIn");

  private final String wire;

  ConnectionState(String wire) {
    this.wire = wire;
  }

  /** The name used in JSON and in Redis. */
  public String wire() {
    return wire;
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} naming the legal values. */
  public static ConnectionState fromWire(String wire) {
    for (ConnectionState s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("expected Connected or LoggedIn, got " + wire);
  }
}
