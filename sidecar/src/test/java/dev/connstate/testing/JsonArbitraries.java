package dev.connstate.testing;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik generators for what a hostile client can put in a request body (DESIGN §8): strings of
 * arbitrary UTF-16 code units (lone surrogates and control characters included), numbers of
 * every Java type a decoder or an in-process sender may use (NaN-free, extremes included), and
 * trees of {@link JsonObject} and {@link JsonArray}, now and then nested past Jackson's depth
 * limit; and JSON-ish bytes for the decoder.
 */
public final class JsonArbitraries {
  /** Each generator is built once: jqwik keeps its generator and edge cases with the instance. */
  private static final Map<String, Arbitrary<?>> BUILT = new HashMap<>();

  private JsonArbitraries() {
  }

  @SuppressWarnings("unchecked")
  private static synchronized <T> Arbitrary<T> memo(String name, Supplier<Arbitrary<T>> build) {
    Arbitrary<T> built = (Arbitrary<T>) BUILT.get(name);
    if (built == null) {
      built = build.get();
      BUILT.put(name, built);
    }
    return built;
  }

  /** One character as a client may send it: a UTF-16 code unit or a whole supplementary character. */
  public static Arbitrary<String> pieces() {
    return memo("pieces", () -> Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.chars().alpha().numeric().map(String::valueOf)),
        Tuple.of(2, Arbitraries.chars().all().map(String::valueOf)),
        Tuple.of(1, Arbitraries.chars().range('\ud800', '\udbff').map(String::valueOf)),
        Tuple.of(1, Arbitraries.chars().range('\udc00', '\udfff').map(String::valueOf)),
        Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)),
        Tuple.of(1, Arbitraries.of("\u0000", "\t", "\n", "\u001f", "\u007f", "\u0085", "\u009f")),
        Tuple.of(1, Arbitraries.of("é", "東", "\u2028", "\ufeff", "\uffff", "\"", "\\", "#", ":", " ", "0", "٣"))));
  }

  /** Strings a well-behaved client sends: whole characters, no control characters, mostly short. */
  public static Arbitrary<String> wellFormedStrings() {
    return memo("wellFormedStrings", () -> {
      Arbitrary<String> piece = Arbitraries.frequencyOf(
          Tuple.of(6, Arbitraries.chars().alpha().numeric().map(String::valueOf)),
          Tuple.of(1, Arbitraries.of("é", "東", " ", "-", ".", ":", "#", "\u2028", "\"")),
          Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)));
      return Arbitraries.frequencyOf(
          Tuple.of(12, piece.list().ofMinSize(1).ofMaxSize(12).map(p -> String.join("", p))),
          Tuple.of(1, Arbitraries.of(boundaryStrings())));
    });
  }

  /** Strings: mostly short, sometimes near the limits of DESIGN §2 in characters or UTF-8 bytes. */
  public static Arbitrary<String> strings() {
    return memo("strings", () -> Arbitraries.frequencyOf(
        Tuple.of(12, pieces().list().ofMaxSize(12).map(p -> String.join("", p))),
        Tuple.of(1, Combinators.combine(pieces(), Arbitraries.integers().between(100, 300)).as(String::repeat)),
        Tuple.of(1, Combinators.combine(pieces(), Arbitraries.integers().between(1000, 4200)).as(String::repeat)),
        Tuple.of(1, Arbitraries.of(boundaryStrings())),
        Tuple.of(1, Arbitraries.of("", "😀".repeat(127) + "\ud83d", "\ude00" + "a".repeat(127)))));
  }

  /** Whole-character strings at the limits of DESIGN §2: 128 and 255 characters, 4 096 bytes. */
  private static List<String> boundaryStrings() {
    return List.of("a".repeat(128), "a".repeat(129), "a".repeat(255), "a".repeat(256), "a".repeat(4096),
        "a".repeat(4097), "é".repeat(2048), "é".repeat(2049), "😀".repeat(128), "😀".repeat(129),
        "😀".repeat(1024), "😀".repeat(1025));
  }

  /** Numbers as Integer, Long, Double (finite), BigInteger or BigDecimal, and now and then Float, Short or Byte. */
  public static Arbitrary<Object> numbers() {
    return memo("numbers", () -> Arbitraries.frequencyOf(
        Tuple.of(2, any(Arbitraries.integers())),
        Tuple.of(2, any(Arbitraries.longs())),
        Tuple.of(3, any(doubles())),
        Tuple.of(2, any(bigIntegers())),
        Tuple.of(2, any(bigDecimals())),
        Tuple.of(1, any(Arbitraries.oneOf(Arbitraries.floats(), Arbitraries.shorts(), Arbitraries.bytes())))));
  }

  /** Finite doubles: any, integral ones, and the edges of exact integers and of the type. */
  public static Arbitrary<Double> doubles() {
    return memo("doubles", () -> Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.doubles()),
        Tuple.of(2, Arbitraries.longs().map(l -> (double) l)),
        Tuple.of(1, Arbitraries.of(0.0, -0.0, 0.5, -0.5, 3.0, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE,
            -Double.MAX_VALUE, 9007199254740991.0, 9007199254740992.0, -9007199254740991.0, 4503599627370495.5,
            9.223372036854776e18, 1e300))));
  }

  /** BigIntegers of up to 300 bits, and powers of two around the 53-, 63- and 64-bit edges. */
  public static Arbitrary<BigInteger> bigIntegers() {
    return memo("bigIntegers", () -> {
      BigInteger bound = BigInteger.TWO.pow(300);
      return Arbitraries.frequencyOf(
          Tuple.of(2, Arbitraries.bigIntegers().between(bound.negate(), bound)),
          Tuple.of(1, Combinators.combine(Arbitraries.of(52, 53, 54, 62, 63, 64, 65), Arbitraries.of(-1, 0, 1),
              Arbitraries.of(1, -1)).as((bits, delta, sign) ->
              BigInteger.TWO.pow(bits).add(BigInteger.valueOf(delta)).multiply(BigInteger.valueOf(sign)))));
    });
  }

  /** BigDecimals: unscaled values of any size, scales small or at the extremes of an int. */
  public static Arbitrary<BigDecimal> bigDecimals() {
    return memo("bigDecimals", () -> {
      Arbitrary<Integer> scales = Arbitraries.frequencyOf(
          Tuple.of(6, Arbitraries.integers().between(-20, 20)),
          Tuple.of(1, Arbitraries.of(Integer.MIN_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE, -1_000_000_000,
              1_000_000_000)));
      return Combinators.combine(bigIntegers(), scales).as(BigDecimal::new);
    });
  }

  /** Any JSON value as Vert.x holds it: scalars, null, JsonObject and JsonArray trees. */
  public static Arbitrary<Object> values() {
    return memo("values", () -> Arbitraries.frequencyOf(Tuple.of(20, trees()), Tuple.of(1, deep())));
  }

  /** Scalars: strings, numbers, booleans and null. */
  public static Arbitrary<Object> scalars() {
    return memo("scalars", () -> Arbitraries.frequencyOf(
        Tuple.of(3, any(strings())),
        Tuple.of(3, numbers()),
        Tuple.of(1, any(Arbitraries.of(true, false)))).injectNull(0.1));
  }

  /** Objects and arrays up to three levels deep. */
  public static Arbitrary<Object> trees() {
    return memo("trees", () -> Arbitraries.recursive(JsonArbitraries::scalars, inner -> Arbitraries.frequencyOf(
        Tuple.of(2, inner),
        Tuple.of(1, any(inner.list().ofMaxSize(4).map(JsonArray::new))),
        Tuple.of(1, any(objectsOf(inner, 4)))), 0, 3));
  }

  /** Objects of up to {@code maxSize} keys from {@link #strings()}, values from {@code values}. */
  public static Arbitrary<JsonObject> objectsOf(Arbitrary<?> values, int maxSize) {
    return objectsOf(strings(), values, 0, maxSize);
  }

  /**
   * Objects of {@code minSize} to {@code maxSize} keys; a key drawn twice is kept once, as a decoder
   * keeps it (so there may be fewer).
   * Built from a list of entries, since jqwik's own maps are slow to generate.
   */
  public static Arbitrary<JsonObject> objectsOf(Arbitrary<String> keys, Arbitrary<?> values, int minSize,
                                                int maxSize) {
    return Combinators.combine(keys, values).as(AbstractMap.SimpleEntry::new).list().ofMinSize(minSize)
        .ofMaxSize(maxSize)
        .map(entries -> {
          JsonObject object = new JsonObject();
          entries.forEach(e -> object.put(e.getKey(), e.getValue()));
          return object;
        });
  }

  /** A chain of arrays or one-key objects nested 900 to 1 500 deep, often around Jackson's default limit of 1 000. */
  public static Arbitrary<Object> deep() {
    return memo("deep", () -> {
      Arbitrary<Integer> depths = Arbitraries.frequencyOf(
          Tuple.of(1, Arbitraries.integers().between(900, 1500)),
          Tuple.of(1, Arbitraries.of(998, 999, 1000, 1001, 1002)));
      return Combinators.combine(depths, Arbitraries.of(true, false)).as(JsonArbitraries::nested);
    });
  }

  /** {@code depth} nested arrays (or objects {"a": …}) around 1. */
  public static Object nested(int depth, boolean arrays) {
    Object value = 1;
    for (int i = 0; i < depth; i++) {
      value = arrays ? new JsonArray().add(value) : new JsonObject().put("a", value);
    }
    return value;
  }

  /**
   * JSON-ish bytes for a decoder: random bytes; JSON texts with odd numbers, escapes, and raw
   * control characters, then mutated byte by byte (invalid UTF-8, encoded surrogates, BOMs, NUL);
   * and brackets nested past any depth limit.
   */
  public static Arbitrary<byte[]> jsonishBytes() {
    return memo("jsonishBytes", () -> Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
        Tuple.of(6, Combinators.combine(JsonTexts.texts().map(t -> t.getBytes(StandardCharsets.UTF_8)),
            JsonTexts.mutations().list().ofMaxSize(3)).as(JsonTexts::mutate)),
        Tuple.of(1, JsonTexts.deepTexts().map(t -> t.getBytes(StandardCharsets.UTF_8)))));
  }

  /** A value as JSON for a failure report, what is nested past 10 levels summarised (Jackson writes 1 000 at most). */
  public static String describe(Object value) {
    String json = Json.encode(shallow(value, 10));
    return json.length() > 2000 ? json.substring(0, 2000) + "…" : json;
  }

  private static Object shallow(Object value, int levels) {
    if (!(value instanceof JsonObject) && !(value instanceof JsonArray)) {
      return value;
    }
    if (levels == 0) {
      return "<" + value.getClass().getSimpleName() + ", " + depth(value) + " levels down its first branch>";
    }
    if (value instanceof JsonArray array) {
      JsonArray out = new JsonArray();
      array.forEach(v -> out.add(shallow(v, levels - 1)));
      return out;
    }
    JsonObject out = new JsonObject();
    ((JsonObject) value).forEach(e -> out.put(e.getKey(), shallow(e.getValue(), levels - 1)));
    return out;
  }

  private static int depth(Object value) {
    int depth = 0;
    for (Object v = value; v instanceof JsonObject || v instanceof JsonArray; depth++) {
      v = v instanceof JsonArray array ? (array.isEmpty() ? null : array.getValue(0))
          : ((JsonObject) v).isEmpty() ? null : ((JsonObject) v).iterator().next().getValue();
    }
    return depth;
  }

  /** Widens an arbitrary to Object, for {@link Arbitraries#frequencyOf}. */
  public static Arbitrary<Object> any(Arbitrary<?> arbitrary) {
    return arbitrary.map(v -> (Object) v);
  }
}
