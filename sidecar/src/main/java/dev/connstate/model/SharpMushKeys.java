package dev.connstate.model;

/**
 * The metadata keys SharpMUSH reads. {@code register} fills the five of them that describe the
 * connection when the caller did not send them (DESIGN §2); {@code touch} sets
 * {@link #LAST_CONNECTION_SIGNAL}.
 */
public final class SharpMushKeys {
  public static final String CONNECTION_START_TIME = "ConnectionStartTime";
  public static final String LAST_CONNECTION_SIGNAL = "LastConnectionSignal";
  public static final String INTERNET_PROTOCOL_ADDRESS = "InternetProtocolAddress";
  public static final String HOST_NAME = "HostName";
  public static final String CONNECTION_TYPE = "ConnectionType";

  private SharpMushKeys() {
  }
}
