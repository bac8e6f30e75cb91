package dev.connstate.protocol;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a bridge client may do (DESIGN §8): the authority model of §1, enforced. The connection
 * server owns whether a connection exists; the game server owns what it means in the game; an
 * observer only reads; an admin may do everything. Every role may receive
 * {@code connstate.events} and authenticate.
 */
public enum Role {
  CONNECTION_SERVER("connection-server", Set.of(Addresses.REGISTER, Addresses.DISCONNECT, Addresses.UPDATE,
      Addresses.TOUCH, Addresses.SESSION, Addresses.GET, Addresses.LIST, Addresses.BY_PLAYER, Addresses.STATS)),
  GAME_SERVER("game-server", Set.of(Addresses.REGISTER, Addresses.BIND, Addresses.UNBIND, Addresses.UPDATE,
      Addresses.TOUCH, Addresses.GET, Addresses.LIST, Addresses.BY_PLAYER, Addresses.STATS)),
  OBSERVER("observer", Set.of(Addresses.GET, Addresses.LIST, Addresses.BY_PLAYER, Addresses.STATS)),
  ADMIN("admin", Set.copyOf(Addresses.COMMANDS));

  private final String wire;
  private final Set<String> commands;

  Role(String wire, Set<String> commands) {
    this.wire = wire;
    this.commands = commands;
  }

  /** The role's name in configuration and in the {@code connstate.auth} reply. */
  public String wire() {
    return wire;
  }

  /** True if a client in this role may send to {@code address} (authenticating is always allowed). */
  public boolean allows(String address) {
    return Addresses.AUTH.equals(address) || commands.contains(address);
  }

  /** The role named {@code wire}; throws {@link IllegalArgumentException} listing the roles otherwise. */
  public static Role fromWire(String wire) {
    for (Role role : values()) {
      if (role.wire.equals(wire.toLowerCase(Locale.ROOT))) {
        return role;
      }
    }
    throw new IllegalArgumentException("unknown role '" + wire + "' (roles: " + String.join(", ", names()) + ")");
  }

  public static List<String> names() {
    return java.util.Arrays.stream(values()).map(Role::wire).toList();
  }
}
