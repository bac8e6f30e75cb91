package dev.connstate.ingress;

import static dev.connstate.testing.JsonArbitraries.any;

import dev.connstate.config.Limits;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.JsonArbitraries;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Request bodies for {@link CommandParserProperties}: for each command address an object with
 * some of its fields, each mostly of the expected kind (valid, or at the edge of a limit of
 * DESIGN §2) and sometimes any JSON value, now and then with a field it does not take; and now
 * and then any JSON value as the body.
 */
final class CommandBodies {
  private static final long MAX_HANDLE = RequestBody.MAX_HANDLE;
  /** The fields of each command (DESIGN §2), so that most generated bodies are nearly well-formed. */
  static final Map<String, List<String>> FIELDS = Map.ofEntries(
      Map.entry(Addresses.REGISTER, List.of("handle", "ipAddress", "hostname", "connectionType", "owner", "metadata",
          "session")),
      Map.entry(Addresses.BIND, List.of("handle", "playerRef", "session")),
      Map.entry(Addresses.UNBIND, List.of("handle", "session")),
      Map.entry(Addresses.UPDATE, List.of("handle", "metadata", "critical", "session")),
      Map.entry(Addresses.TOUCH, List.of("handle", "handles", "session")),
      Map.entry(Addresses.DISCONNECT, List.of("handle", "reason", "session")),
      Map.entry(Addresses.GET, List.of("handle", "session")),
      Map.entry(Addresses.LIST, List.of("state", "owner", "cursor", "limit", "session")),
      Map.entry(Addresses.BY_PLAYER, List.of("playerRef", "session")),
      Map.entry(Addresses.STATS, List.of("session")),
      Map.entry(Addresses.SESSION, List.of("session")));
  /** Stands for a field left out of a generated body. */
  private static final Object ABSENT = new Object();

  /** A body sent to a command address. */
  record Request(String address, Object body) {
    @Override
    public String toString() {
      return address + " " + JsonArbitraries.describe(body);
    }
  }

  /** One way a client or its JSON library writes a number. */
  record Notation(String name, LongFunction<Object> write) {
    @Override
    public String toString() {
      return name;
    }
  }

  private final Limits limits;

  CommandBodies(Limits limits) {
    this.limits = limits;
  }

  Arbitrary<Request> requests() {
    List<Arbitrary<Request>> perAddress = new ArrayList<>();
    for (String address : Addresses.COMMANDS) {
      perAddress.add(Arbitraries.frequencyOf(Tuple.of(20, any(body(address))), Tuple.of(1, JsonArbitraries.values()))
          .map(body -> new Request(address, body)));
    }
    return Arbitraries.oneOf(perAddress);
  }

  /** An object with some of the command's fields, each nearly well-formed, and now and then a stranger. */
  private Arbitrary<JsonObject> body(String address) {
    List<Arbitrary<Object>> fields = new ArrayList<>();
    for (String field : FIELDS.get(address)) {
      fields.add(Arbitraries.frequencyOf(Tuple.of(6, value(field)), Tuple.of(1, Arbitraries.just(ABSENT))));
    }
    Arbitrary<Map<String, Object>> strangers = Arbitraries.frequencyOf(
        Tuple.of(12, Arbitraries.just(Map.of())),
        Tuple.of(1, JsonArbitraries.objectsOf(Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.of("handle", "handles", "metadata", "playerRef", "owner", "token", "")),
            Tuple.of(1, JsonArbitraries.strings())), JsonArbitraries.values(), 1, 2).map(JsonObject::getMap)));
    return Combinators.combine(Combinators.combine(fields).as(ArrayList::new), strangers).as((values, extra) -> {
      Map<String, Object> map = new LinkedHashMap<>();
      List<String> names = FIELDS.get(address);
      for (int i = 0; i < names.size(); i++) {
        if (values.get(i) != ABSENT) {
          map.put(names.get(i), values.get(i));
        }
      }
      map.putAll(extra);
      return new JsonObject(map);
    });
  }

  /** A value for {@code field}: mostly of the expected kind (valid or at its edges), sometimes anything. */
  private Arbitrary<Object> value(String field) {
    Arbitrary<Object> expected = switch (field) {
      case "handle" -> handles();
      case "handles" -> any(Arbitraries.frequencyOf(
          Tuple.of(10, handles().list().ofMaxSize(5)),
          Tuple.of(1, Combinators.combine(Arbitraries.integers().between(-1, 1), handles()).as((delta, handle) ->
              manyHandles(limits.maxTouchHandles() + delta, handle))))
          .map(JsonArray::new));
      case "playerRef" -> any(playerRefs());
      case "metadata" -> any(metadata());
      case "critical" -> any(Arbitraries.of(true, false));
      case "session" -> any(Arbitraries.frequencyOf(
          Tuple.of(4, Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(130)),
          Tuple.of(1, Arbitraries.of("", "boot 1", "boot\u00e91", "ü"))));
      case "state" -> any(Arbitraries.of("Connected", "LoggedIn", "connected", "Disconnected"));
      case "cursor" -> any(Arbitraries.frequencyOf(
          Tuple.of(3, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(17)),
          Tuple.of(1, Arbitraries.of("", "-1", "9007199254740991", "9007199254740992", "٣", "１２", "1e3", "0x1"))));
      case "limit" -> any(Arbitraries.frequencyOf(
          Tuple.of(3, Arbitraries.integers().between(-1, limits.maxListLimit() + 1)),
          Tuple.of(1, JsonArbitraries.numbers())));
      default -> any(Arbitraries.frequencyOf(
          Tuple.of(5, JsonArbitraries.wellFormedStrings()), Tuple.of(1, JsonArbitraries.strings())));
    };
    return Arbitraries.frequencyOf(Tuple.of(15, expected), Tuple.of(1, JsonArbitraries.values()));
  }

  /** {@code count} handles around the limit of one touch: {@code last} after distinct small ones. */
  private static List<Object> manyHandles(int count, Object last) {
    List<Object> handles = new ArrayList<>();
    for (long h = 0; h < count - 1; h++) {
      handles.add(h + 1_000_000);
    }
    handles.add(last);
    return handles;
  }

  private Arbitrary<Object> handles() {
    return Arbitraries.frequencyOf(
        Tuple.of(16, Combinators.combine(Arbitraries.longs().between(0, MAX_HANDLE), integralNotations())
            .as((n, notation) -> notation.write().apply(n))),
        Tuple.of(1, any(Arbitraries.of(-1L, MAX_HANDLE + 1, Long.MAX_VALUE, Long.MIN_VALUE, 3.5, -0.0, "3"))),
        Tuple.of(2, JsonArbitraries.numbers()));
  }

  private Arbitrary<String> playerRefs() {
    Arbitrary<String> digits = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(10)),
        Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(18)));
    return Arbitraries.frequencyOf(
        Tuple.of(3, Combinators.combine(digits, Arbitraries.of("", ":", ":", "::"), digits)
            .as((n, colon, c) -> "#" + n + colon + (colon.isEmpty() ? "" : c))),
        Tuple.of(1, JsonArbitraries.strings().map(s -> "#" + s)),
        Tuple.of(1, JsonArbitraries.strings()));
  }

  private Arbitrary<JsonObject> metadata() {
    Arbitrary<Object> values = Arbitraries.frequencyOf(
        Tuple.of(12, any(JsonArbitraries.wellFormedStrings())),
        Tuple.of(2, any(JsonArbitraries.strings())),
        Tuple.of(1, Arbitraries.just(null)),
        Tuple.of(1, JsonArbitraries.values()));
    Arbitrary<String> keys = Arbitraries.frequencyOf(
        Tuple.of(6, JsonArbitraries.wellFormedStrings()), Tuple.of(1, JsonArbitraries.strings()));
    return Arbitraries.frequencyOf(
        Tuple.of(2, JsonArbitraries.objectsOf(keys, values, 0, 6)),
        Tuple.of(8, JsonArbitraries.objectsOf(keys, values, 1, 3)),
        Tuple.of(1, Combinators.combine(Arbitraries.integers().between(limits.maxKeysPerUpdate() - 1,
            limits.maxKeysPerUpdate() + 1), JsonArbitraries.strings()).as((size, value) -> {
              JsonObject many = new JsonObject();
              for (int i = 0; i < size; i++) {
                many.put("K" + i, value);
              }
              return many;
            })));
  }

  static Arbitrary<Notation> integralNotations() {
    return Arbitraries.of(
        new Notation("Long", n -> n),
        new Notation("Integer where it fits", n -> n <= Integer.MAX_VALUE ? (Object) (int) n : (Object) n),
        new Notation("Double", n -> (double) n),
        new Notation("BigInteger", BigInteger::valueOf),
        new Notation("BigDecimal n.000", n -> BigDecimal.valueOf(n).setScale(3)),
        new Notation("BigDecimal stripped", n -> BigDecimal.valueOf(n).stripTrailingZeros()),
        new Notation("BigDecimal n0e-1", n -> new BigDecimal(BigInteger.valueOf(n).multiply(BigInteger.TEN), 1)),
        new Notation("json n", n -> decoded(Long.toString(n))),
        new Notation("json n.0", n -> decoded(n + ".0")),
        new Notation("json n.000", n -> decoded(n + ".000")),
        new Notation("json ne0", n -> decoded(n + "e0")),
        new Notation("json nE+00", n -> decoded(n + "E+00")),
        new Notation("json n0e-1", n -> decoded(n == 0 ? "0.0e-1" : n + "0e-1")),
        new Notation("json n00E-2", n -> decoded(n == 0 ? "0.00E-2" : n + "00E-2")),
        new Notation("json d.ddde+k", n -> decoded(scientific(n))));
  }

  /** Notations of {@code thousandths} / 1000. */
  static Arbitrary<Notation> fractionNotations() {
    return Arbitraries.of(
        new Notation("BigDecimal", t -> BigDecimal.valueOf(t, 3)),
        new Notation("BigDecimal x10", t -> new BigDecimal(BigInteger.valueOf(t).multiply(BigInteger.TEN), 4)),
        new Notation("double", t -> t / 1000.0),
        new Notation("json", t -> decoded(BigDecimal.valueOf(t, 3).toPlainString())),
        new Notation("json e-3", t -> decoded(t + "e-3")));
  }

  /** {@code n} as d.ddde+k, as C's printf("%e") or a scientific formatter writes it. */
  private static String scientific(long n) {
    String digits = Long.toString(n);
    return digits.length() == 1 ? digits + "e+0"
        : digits.charAt(0) + "." + digits.substring(1) + "e+" + (digits.length() - 1);
  }

  /** What Vert.x's decoder (the bridge's) makes of a number written as {@code text}. */
  private static Object decoded(String text) {
    return new JsonObject("{\"n\":" + text + "}").getValue("n");
  }
}
