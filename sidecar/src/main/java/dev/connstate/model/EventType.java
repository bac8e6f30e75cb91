package dev.connstate.model;

/** The kinds of change event (DESIGN §2), with their wire names. */
public enum EventType {
  REGISTERED("registered"),
  BOUND("bound"),
  UNBOUND("unbound"),
  UPDATED("updated"),
  DISCONNECTED("disconnected"),
  EXPIRED("expired");

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** True for the events after which the connection no longer exists. */
  public boolean removes() {
    return this == DISCONNECTED || this == EXPIRED;
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} otherwise. */
  public static EventType fromWire(String wire) {
    for (EventType t : values()) {
      if (t.wire.equals(wire)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown event type " + wire);
  }
}
