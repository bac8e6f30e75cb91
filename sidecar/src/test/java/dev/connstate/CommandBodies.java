package dev.connstate;

import dev.connstate.protocol.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Request bodies for {@link CommandsIT}: a valid body per address, and the catalogue of
 * malformed ones, each with the field its 400 must name ({@link #malformed()}).
 */
final class CommandBodies {
  static final String IP = "203.0.113.5:50122";
  static final String HOST = "client.example.net";
  static final String PLAYER = "#5:1700000000000";
  /** Largest handle DESIGN §2 allows: 2^53 - 1. */
  static final long MAX_HANDLE = (1L << 53) - 1;

  private CommandBodies() {
  }

  /**
   * Every malformed body of the catalogue, as (address, what is wrong, body, the field its 400
   * must name): bodies that are not objects, unknown fields and bad sessions for all eleven
   * addresses, bad handles for the seven that take one, then each address's own fields.
   */
  static Stream<Arguments> malformed() {
    return Stream.of(notObjects(), unknownFields(), badHandles(),
        forAddress(Addresses.REGISTER, badRegisterBodies()),
        forAddress(Addresses.BIND, badBindBodies()),
        forAddress(Addresses.UNBIND, badUnbindBodies()),
        forAddress(Addresses.UPDATE, badUpdateBodies()),
        forAddress(Addresses.TOUCH, badTouchBodies()),
        forAddress(Addresses.DISCONNECT, badDisconnectBodies()),
        forAddress(Addresses.GET, badGetBodies()),
        forAddress(Addresses.LIST, badListBodies()),
        forAddress(Addresses.BY_PLAYER, badByPlayerBodies()),
        badSessions()).flatMap(s -> s);
  }

  /** Any command may carry a session (DESIGN §7): a malformed one is a 400 on every address; session needs one. */
  private static Stream<Arguments> badSessions() {
    Stream<Arguments> everywhere = Addresses.COMMANDS.stream().flatMap(a -> Stream.of(
        Arguments.of(a, "session empty", validBody(a).put("session", ""), "session"),
        Arguments.of(a, "session a number", validBody(a).put("session", 5), "session"),
        Arguments.of(a, "session with a space", validBody(a).put("session", "boot 1"), "session"),
        Arguments.of(a, "session of 129 characters", validBody(a).put("session", "s".repeat(129)), "session")));
    return Stream.concat(everywhere, Stream.of(
        Arguments.of(Addresses.SESSION, "no session", new JsonObject(), "session")));
  }

  private static Stream<Arguments> forAddress(String address, Stream<Arguments> bodies) {
    return bodies.map(a -> Arguments.of(address, a.get()[0], a.get()[1], a.get()[2]));
  }

  private static Stream<Arguments> notObjects() {
    return Addresses.COMMANDS.stream().flatMap(a -> Stream.of(
        Arguments.of(a, "a body that is a string", "a string", "body"),
        Arguments.of(a, "a body that is an array", new JsonArray().add(1), "body"),
        Arguments.of(a, "a body that is a number", 42, "body")));
  }

  private static Stream<Arguments> unknownFields() {
    return Addresses.COMMANDS.stream().map(a ->
        Arguments.of(a, "an unknown extra field", validBody(a).put("bogus", "1"), "bogus"));
  }

  private static Stream<Arguments> badHandles() {
    List<String> withHandle = List.of(Addresses.REGISTER, Addresses.BIND, Addresses.UNBIND, Addresses.UPDATE,
        Addresses.TOUCH, Addresses.DISCONNECT, Addresses.GET);
    return withHandle.stream().flatMap(a -> forAddress(a, Stream.of(
        bad("handle -1", validBody(a).put("handle", -1), "handle"),
        bad("handle 2^53", validBody(a).put("handle", MAX_HANDLE + 1), "handle"),
        bad("handle Long.MAX_VALUE", validBody(a).put("handle", Long.MAX_VALUE), "handle"),
        bad("handle \"42\"", validBody(a).put("handle", "42"), "handle"),
        bad("handle 4.5", validBody(a).put("handle", 4.5), "handle"),
        bad("handle true", validBody(a).put("handle", true), "handle"),
        bad("handle null", validBody(a).putNull("handle"), "handle"),
        bad("no handle", without(validBody(a), "handle"), "handle"))));
  }

  private static Stream<Arguments> badRegisterBodies() {
    List<Arguments> out = new ArrayList<>();
    for (String field : List.of("ipAddress", "hostname", "connectionType")) {
      out.add(bad(field + " missing", without(registerBody(42), field), field));
      out.add(bad(field + " null", registerBody(42).putNull(field), field));
      out.add(bad(field + " a number", registerBody(42).put(field, 5), field));
      out.add(bad(field + " empty", registerBody(42).put(field, ""), field));
      out.add(bad(field + " of 256 characters", registerBody(42).put(field, "x".repeat(256)), field));
      out.add(bad(field + " with a newline", registerBody(42).put(field, "a\nb"), field));
      out.add(bad(field + " with NUL", registerBody(42).put(field, "a\u0000b"), field));
    }
    out.add(bad("owner a number", registerBody(42).put("owner", 5), "owner"));
    out.add(bad("owner empty", registerBody(42).put("owner", ""), "owner"));
    out.add(bad("owner of 256 characters", registerBody(42).put("owner", "o".repeat(256)), "owner"));
    out.add(bad("owner with DEL", registerBody(42).put("owner", "a\u007fb"), "owner"));
    out.addAll(badMetadata(registerBody(42)));
    out.add(bad("a metadata value null", registerBody(42).put("metadata", new JsonObject().putNull("WIDTH")),
        "metadata.WIDTH"));
    return out.stream();
  }

  private static Stream<Arguments> badBindBodies() {
    List<Arguments> out = new ArrayList<>();
    out.add(bad("playerRef missing", without(bindBody(42, PLAYER), "playerRef"), "playerRef"));
    out.add(bad("playerRef null", bindBody(42, PLAYER).putNull("playerRef"), "playerRef"));
    out.add(bad("playerRef a number", bindBody(42, PLAYER).put("playerRef", 5), "playerRef"));
    for (String ref : List.of("5", "#x", "#", "", "#5:", "#5:x", "#-5", "# 5", " #5", "#5:1700000000000:1",
        "#2147483648", "5:1700000000000", "#5:17000000000000000")) {
      out.add(bad("playerRef \"" + ref + "\"", bindBody(42, ref), "playerRef"));
    }
    return out.stream();
  }

  private static Stream<Arguments> badUnbindBodies() {
    return Stream.of(bad("handle a string", handleBody(42).put("handle", "x"), "handle"),
        bad("an extra playerRef", handleBody(42).put("playerRef", PLAYER), "playerRef"));
  }

  private static Stream<Arguments> badUpdateBodies() {
    List<Arguments> out = new ArrayList<>();
    out.add(bad("metadata missing", handleBody(42), "metadata"));
    out.add(bad("metadata null", handleBody(42).putNull("metadata"), "metadata"));
    out.add(bad("metadata empty", updateBody(42, new JsonObject()), "metadata"));
    out.addAll(badMetadata(handleBody(42)));
    out.add(bad("critical \"yes\"", updateBody(42, new JsonObject().put("WIDTH", "1")).put("critical", "yes"),
        "critical"));
    out.add(bad("critical 1", updateBody(42, new JsonObject().put("WIDTH", "1")).put("critical", 1), "critical"));
    return out.stream();
  }

  private static Stream<Arguments> badTouchBodies() {
    List<Arguments> out = new ArrayList<>();
    out.add(bad("both handle and handles", handleBody(42).put("handles", new JsonArray().add(42)), "handles"));
    out.add(bad("neither handle nor handles", new JsonObject(), "handles"));
    out.add(bad("handles a number", new JsonObject().put("handles", 42), "handles"));
    out.add(bad("handles empty", new JsonObject().put("handles", new JsonArray()), "handles"));
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      tooMany.add(i);
    }
    out.add(bad("1001 handles", new JsonObject().put("handles", tooMany), "handles"));
    out.add(bad("handles holding \"x\"", new JsonObject().put("handles", new JsonArray().add(1).add("x")),
        "handles[1]"));
    out.add(bad("handles holding -1", new JsonObject().put("handles", new JsonArray().add(1).add(-1)),
        "handles[1]"));
    out.add(bad("handles holding 2^53", new JsonObject().put("handles", new JsonArray().add(MAX_HANDLE + 1)),
        "handles[0]"));
    out.add(bad("handles holding null", new JsonObject().put("handles", new JsonArray().addNull()), "handles[0]"));
    return out.stream();
  }

  private static Stream<Arguments> badDisconnectBodies() {
    return Stream.of(
        bad("reason a number", handleBody(42).put("reason", 5), "reason"),
        bad("reason empty", handleBody(42).put("reason", ""), "reason"),
        bad("reason of 256 characters", handleBody(42).put("reason", "r".repeat(256)), "reason"),
        bad("reason with a newline", handleBody(42).put("reason", "bye\n"), "reason"),
        bad("handle a string", handleBody(42).put("handle", "x"), "handle"));
  }

  private static Stream<Arguments> badGetBodies() {
    return Stream.of(bad("handle a string", handleBody(42).put("handle", "x"), "handle"),
        bad("handles instead of handle", new JsonObject().put("handles", new JsonArray().add(42)), "handles"));
  }

  private static Stream<Arguments> badListBodies() {
    List<Arguments> out = new ArrayList<>();
    for (Object state : List.of("Bogus", "loggedin", "", "Disconnected", 5)) {
      out.add(bad("state " + show(state), new JsonObject().put("state", state), "state"));
    }
    out.add(bad("owner a number", new JsonObject().put("owner", 5), "owner"));
    out.add(bad("owner empty", new JsonObject().put("owner", ""), "owner"));
    out.add(bad("owner with a tab", new JsonObject().put("owner", "a\tb"), "owner"));
    for (Object cursor : List.of(5, "abc", "", "-1", "1.5", "12345678901234567", "9007199254740992", true)) {
      out.add(bad("cursor " + show(cursor), new JsonObject().put("cursor", cursor), "cursor"));
    }
    for (Object limit : List.of(0, -1, 10_001, "10", 2.5, Long.MAX_VALUE)) {
      out.add(bad("limit " + show(limit), new JsonObject().put("limit", limit), "limit"));
    }
    return out.stream();
  }

  private static Stream<Arguments> badByPlayerBodies() {
    List<Arguments> out = new ArrayList<>();
    out.add(bad("playerRef missing", new JsonObject(), "playerRef"));
    out.add(bad("playerRef a number", new JsonObject().put("playerRef", 5), "playerRef"));
    for (String ref : List.of("5", "#x", "", "#5:abc", "#5:", "#2147483648")) {
      out.add(bad("playerRef \"" + ref + "\"", new JsonObject().put("playerRef", ref), "playerRef"));
    }
    out.add(bad("a handle", new JsonObject().put("playerRef", "#5").put("handle", 1), "handle"));
    return out.stream();
  }

  /** Malformed metadata objects on top of {@code base}, for register and update alike. */
  private static List<Arguments> badMetadata(JsonObject base) {
    String tooBigAscii = "x".repeat(4097);
    String tooBigUtf8 = "é".repeat(2049); // 2049 characters, 4098 bytes
    List<Arguments> out = new ArrayList<>();
    out.add(bad("metadata a string", base.copy().put("metadata", "WIDTH=120"), "metadata"));
    out.add(bad("metadata an array", base.copy().put("metadata", new JsonArray().add("WIDTH")), "metadata"));
    out.add(bad("65 metadata keys", base.copy().put("metadata", metadataOf(65)), "metadata"));
    out.add(bad("a metadata key of 129 characters", base.copy().put("metadata",
        new JsonObject().put("K".repeat(129), "v")), "metadata"));
    out.add(bad("an empty metadata key", base.copy().put("metadata", new JsonObject().put("", "v")), "metadata"));
    out.add(bad("a metadata key with a tab", base.copy().put("metadata", new JsonObject().put("WI\tDTH", "v")),
        "metadata"));
    out.add(bad("a metadata key with ESC", base.copy().put("metadata", new JsonObject().put("\u001b[0m", "v")),
        "metadata"));
    out.add(bad("a metadata value that is a number", base.copy().put("metadata", new JsonObject().put("WIDTH", 120)),
        "metadata.WIDTH"));
    out.add(bad("a metadata value that is an object", base.copy().put("metadata",
        new JsonObject().put("GMCP", new JsonObject())), "metadata.GMCP"));
    out.add(bad("a metadata value of 4097 bytes", base.copy().put("metadata",
        new JsonObject().put("BIG", tooBigAscii)), "metadata.BIG"));
    out.add(bad("a metadata value of 2049 two-byte characters", base.copy().put("metadata",
        new JsonObject().put("BIG", tooBigUtf8)), "metadata.BIG"));
    return out;
  }

  private static Arguments bad(String what, JsonObject body, String field) {
    return Arguments.of(what, body, field);
  }

  private static String show(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  static JsonObject validBody(String address) {
    return switch (address) {
      case Addresses.REGISTER -> registerBody(42);
      case Addresses.BIND -> bindBody(42, PLAYER);
      case Addresses.UPDATE -> updateBody(42, new JsonObject().put("WIDTH", "120"));
      case Addresses.UNBIND, Addresses.TOUCH, Addresses.DISCONNECT, Addresses.GET -> handleBody(42);
      case Addresses.BY_PLAYER -> new JsonObject().put("playerRef", PLAYER);
      case Addresses.SESSION -> new JsonObject().put("session", "boot-1");
      default -> new JsonObject();
    };
  }

  static JsonObject registerBody(long handle) {
    return handleBody(handle).put("ipAddress", IP).put("hostname", HOST).put("connectionType", "telnet");
  }

  static JsonObject bindBody(long handle, String playerRef) {
    return handleBody(handle).put("playerRef", playerRef);
  }

  static JsonObject updateBody(long handle, JsonObject metadata) {
    return handleBody(handle).put("metadata", metadata);
  }

  static JsonObject handleBody(long handle) {
    return new JsonObject().put("handle", handle);
  }

  static JsonObject without(JsonObject body, String field) {
    body.remove(field);
    return body;
  }

  /** {@code n} metadata keys K0 … K(n-1), each "v". */
  static JsonObject metadataOf(int n) {
    JsonObject metadata = new JsonObject();
    for (int i = 0; i < n; i++) {
      metadata.put("K" + i, "v");
    }
    return metadata;
  }
}
