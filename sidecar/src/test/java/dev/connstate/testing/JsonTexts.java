package dev.connstate.testing;

import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** JSON texts, valid or nearly so, and byte mutations of them: what {@link JsonArbitraries#jsonishBytes()} is made of. */
final class JsonTexts {
  private JsonTexts() {
  }

  /** A change to an encoded text at a relative position (0 = start, 1 = end). */
  record Mutation(Kind kind, double at, byte[] bytes) {
    enum Kind { INSERT, REPLACE, DELETE, TRUNCATE }
  }

  static Arbitrary<String> texts() {
    return Arbitraries.recursive(JsonTexts::scalars, inner -> Arbitraries.frequencyOf(
        Tuple.of(2, inner),
        Tuple.of(1, Combinators.combine(inner.list().ofMaxSize(4), whitespace())
            .as((items, ws) -> "[" + ws + String.join("," + ws, items) + "]")),
        Tuple.of(1, Combinators.combine(Combinators.combine(strings(), whitespace(), inner)
                .as((k, ws, v) -> k + ws + ":" + v).list().ofMaxSize(4), whitespace())
            .as((members, ws) -> "{" + ws + String.join("," + ws, members) + "}"))), 0, 3);
  }

  private static Arbitrary<String> scalars() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, numbers()),
        Tuple.of(3, strings()),
        Tuple.of(1, Arbitraries.of("true", "false", "null", "nul", "tru", "NaN", "Infinity", "-Infinity",
            "undefined", "", "'a'", "/* c */ 1")));
  }

  private static Arbitrary<String> whitespace() {
    return Arbitraries.of("", "", "", " ", "\n", "\t\r\n ", "\u00a0", "\u000b");
  }

  /** Numbers as any Java type prints them, JSON number syntax with long digit runs and exponents, and near misses. */
  static Arbitrary<String> numbers() {
    Arbitrary<String> digits = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(25)),
        Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(990).ofMaxLength(1100)));
    Arbitrary<String> fraction = Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just("")),
        Tuple.of(2, digits.map(d -> "." + d)), Tuple.of(1, Arbitraries.just(".")));
    Arbitrary<String> exponent = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")),
        Tuple.of(2, Combinators.combine(Arbitraries.of("e", "E", "e+", "e-", "E-"), digits).as(String::concat)),
        Tuple.of(1, Arbitraries.of("e999999999", "e-999999999", "e2147483648", "e", "e+")));
    return Arbitraries.frequencyOf(
        Tuple.of(2, JsonArbitraries.numbers().map(String::valueOf)),
        Tuple.of(3, Combinators.combine(Arbitraries.of("", "", "-", "+"), digits, fraction, exponent)
            .as((sign, d, f, e) -> sign + d + f + e)),
        Tuple.of(1, Arbitraries.of("01", "-0", "1.", ".5", "-", "1e", "0x10", "1_000", "٣", "1e1.5", "--1")));
  }

  /** Quoted strings with raw or escaped characters (escapes of lone surrogates, bad escapes), sometimes unclosed. */
  static Arbitrary<String> strings() {
    Arbitrary<String> escaped = Arbitraries.frequencyOf(
        Tuple.of(6, JsonArbitraries.pieces()),
        Tuple.of(2, Arbitraries.chars().all().map(c -> String.format("\\u%04x", (int) c))),
        Tuple.of(1, Arbitraries.chars().range('\ud800', '\udfff').map(c -> String.format("\\u%04X", (int) c))),
        Tuple.of(1, Arbitraries.of("\\n", "\\\"", "\\\\", "\\/", "\\b", "\\x", "\\u12", "\\uZZZZ", "\\", "\\'")));
    return Combinators.combine(escaped.list().ofMaxSize(10), Arbitraries.of("\"", "\"", "\"", "\"", ""))
        .as((parts, close) -> "\"" + String.join("", parts) + close);
  }

  /** Byte changes that make invalid UTF-8, encoded surrogates, BOMs and NULs, or cut the text short. */
  static Arbitrary<Mutation> mutations() {
    Arbitrary<byte[]> inserted = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(4)),
        Tuple.of(3, Arbitraries.of(sequences())));
    return Combinators.combine(Arbitraries.of(Mutation.Kind.class), Arbitraries.doubles().between(0, 1), inserted)
        .as(Mutation::new);
  }

  private static List<byte[]> sequences() {
    return List.of(bytes(0xC0, 0x80), bytes(0xED, 0xA0, 0x80), bytes(0xED, 0xB0, 0x80),
        bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xFF), bytes(0xFE, 0xFF),
        bytes(0xFF, 0xFE), bytes(0xEF, 0xBB, 0xBF), bytes(0x00), bytes(0x00, 0x00, 0x00), bytes(0xE2, 0x82),
        bytes(0xF0, 0x9F, 0x98), bytes(0x80), bytes(0xF8, 0x88, 0x80, 0x80, 0x80));
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  static byte[] mutate(byte[] text, List<Mutation> mutations) {
    byte[] out = text;
    for (Mutation m : mutations) {
      int at = (int) Math.min(out.length, Math.floor(m.at() * (out.length + 1)));
      ByteArrayOutputStream next = new ByteArrayOutputStream();
      switch (m.kind()) {
        case INSERT -> {
          next.write(out, 0, at);
          next.writeBytes(m.bytes());
          next.write(out, at, out.length - at);
        }
        case REPLACE -> {
          next.write(out, 0, at);
          next.writeBytes(m.bytes());
          int skip = Math.min(out.length - at, m.bytes().length);
          next.write(out, at + skip, out.length - at - skip);
        }
        case DELETE -> {
          next.write(out, 0, at);
          if (at < out.length) {
            next.write(out, at + 1, out.length - at - 1);
          }
        }
        case TRUNCATE -> next.write(out, 0, at);
        default -> throw new IllegalStateException(m.kind().name());
      }
      out = next.toByteArray();
    }
    return out;
  }

  /** Opening brackets (or {"a": chains) 900 to 5 000 deep, closed or not. */
  static Arbitrary<String> deepTexts() {
    return Combinators.combine(Arbitraries.integers().between(900, 5000), Arbitraries.of("[", "{\"a\":", "[{\"a\":"),
        Arbitraries.of(true, false)).as((depth, open, closed) -> {
          String close = open.equals("[") ? "]" : open.equals("{\"a\":") ? "}" : "}]";
          return open.repeat(depth) + "1" + (closed ? close.repeat(depth) : "");
        });
  }
}
