package dev.connstate.protocol;

import java.util.List;

/**
 * Every event-bus address connstate answers or publishes on (DESIGN §2). Commands are
 * request-reply; {@link #EVENTS} is publish-only.
 */
public final class Addresses {
  /** Prefix every address shares; the TCP bridge admits nothing else inbound. */
  public static final String PREFIX = "connstate.";
  public static final String REGISTER = PREFIX + "register";
  public static final String BIND = PREFIX + "bind";
  public static final String UNBIND = PREFIX + "unbind";
  public static final String UPDATE = PREFIX + "update";
  public static final String TOUCH = PREFIX + "touch";
  public static final String DISCONNECT = PREFIX + "disconnect";
  public static final String GET = PREFIX + "get";
  public static final String LIST = PREFIX + "list";
  public static final String BY_PLAYER = PREFIX + "byPlayer";
  public static final String STATS = PREFIX + "stats";
  /** Authenticates a bridge socket (DESIGN §8); answered by the bridge itself. */
  public static final String AUTH = PREFIX + "auth";
  /** Ties a bridge socket to a client session (DESIGN §7). */
  public static final String SESSION = PREFIX + "session";
  /** Change events, published once per stored change (own and other sidecars'). */
  public static final String EVENTS = PREFIX + "events";

  /** The eleven command addresses, in DESIGN order ({@link #AUTH} is the bridge's own). */
  public static final List<String> COMMANDS = List.of(
      REGISTER, BIND, UNBIND, UPDATE, TOUCH, DISCONNECT, GET, LIST, BY_PLAYER, STATS, SESSION);

  private Addresses() {
  }
}
