package dev.connstate.ingress;

import dev.connstate.config.Limits;
import dev.connstate.model.ConnectionState;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;

/**
 * Turns a request body into a {@link Command}, enforcing every rule of DESIGN §2: field types,
 * handle range, metadata limits. Anything else is a 400 naming the field.
 */
public final class CommandParser {
  private final Limits limits;

  public CommandParser(Limits limits) {
    this.limits = limits;
  }

  /** Parses the body sent to {@code address}; throws {@link CommandFailure} (400) if it is malformed. */
  public Command parse(String address, Object body) {
    switch (address) {
      case Addresses.REGISTER: {
        RequestBody b = RequestBody.of(address, body, limits, "handle", "ipAddress", "hostname", "connectionType",
            "owner", "metadata");
        return new Command.Register(b.handle("handle"), b.text("ipAddress"), b.text("hostname"),
            b.text("connectionType"), b.optionalText("owner"), b.session(), b.metadata("metadata", false, false));
      }
      case Addresses.BIND: {
        RequestBody b = RequestBody.of(address, body, limits, "handle", "playerRef");
        return new Command.Bind(b.handle("handle"), b.playerRef("playerRef"));
      }
      case Addresses.UNBIND:
        return new Command.Unbind(RequestBody.of(address, body, limits, "handle").handle("handle"));
      case Addresses.UPDATE: {
        RequestBody b = RequestBody.of(address, body, limits, "handle", "metadata", "critical");
        return new Command.Update(b.handle("handle"), b.metadata("metadata", true, true), b.flag("critical"));
      }
      case Addresses.TOUCH:
        return touch(RequestBody.of(address, body, limits, "handle", "handles"));
      case Addresses.DISCONNECT: {
        RequestBody b = RequestBody.of(address, body, limits, "handle", "reason");
        return new Command.Disconnect(b.handle("handle"), b.optionalText("reason"));
      }
      case Addresses.GET:
        return new Command.Get(RequestBody.of(address, body, limits, "handle").handle("handle"));
      case Addresses.LIST:
        return list(RequestBody.of(address, body, limits, "state", "owner", "cursor", "limit"));
      case Addresses.BY_PLAYER:
        return new Command.ByPlayer(RequestBody.of(address, body, limits, "playerRef").playerRef("playerRef"));
      case Addresses.STATS:
        RequestBody.of(address, body, limits);
        return new Command.Stats();
      case Addresses.SESSION: {
        String session = RequestBody.of(address, body, limits).session();
        if (session == null) {
          throw CommandFailure.badRequest(RequestBody.SESSION, "required, " + RequestBody.SESSION_EXPECTED);
        }
        return new Command.Session(session);
      }
      default:
        throw CommandFailure.badRequest("address", "not a connstate command: " + address);
    }
  }

  /**
   * The client session (DESIGN §7) a command body carries, if it is a valid session id; else
   * null (a malformed one gets its 400 from {@link #parse}).
   */
  public static String sessionOf(Object body) {
    return RequestBody.sessionOf(body);
  }

  private Command touch(RequestBody b) {
    if (b.has("handle") == b.has("handles")) {
      throw CommandFailure.badRequest("handle", "send exactly one of handle (one handle) and handles (an array)");
    }
    return b.has("handle") ? new Command.Touch(b.handle("handle"))
        : new Command.TouchMany(b.handles("handles", limits.maxTouchHandles()));
  }

  private Command list(RequestBody b) {
    String state = b.optionalText("state");
    if (state != null) {
      try {
        ConnectionState.fromWire(state);
      } catch (IllegalArgumentException e) {
        throw CommandFailure.badRequest("state", "expected Connected or LoggedIn, got " + RequestBody.shown(state));
      }
    }
    return new Command.ListConnections(state, b.optionalText("owner"), b.cursor("cursor"),
        b.integer("limit", 1, limits.maxListLimit(), Math.min(1000, limits.maxListLimit())));
  }
}
