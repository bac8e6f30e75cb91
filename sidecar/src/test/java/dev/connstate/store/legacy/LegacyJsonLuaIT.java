package dev.connstate.store.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("The Lua legacyJson function (v2 hash rendered as the v1 System.Text.Json document)")
class LegacyJsonLuaIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  static final String KEY = "legacyjson:conn:{42}";
  static final Path FIXTURES = dev.connstate.testing.LegacyFixtures.DIR;
  static final String LIBRARY = resource("/lua/legacy_json.lua");
  static final String RENDER = LIBRARY + "\nreturn legacyJson(redis.call('HGETALL', KEYS[1]))\n";

  /** The document of {@link #base()} up to the metadata object. */
  static final String BASE = "{\"Handle\":42,\"PlayerRef\":null,\"State\":\"Connected\","
      + "\"IpAddress\":\"203.0.113.5:50122\",\"Hostname\":\"host.example\",\"ConnectionType\":\"telnet\","
      + "\"ConnectedAt\":\"2026-02-13T17:16:01.765+00:00\",\"LastSeen\":\"2026-02-13T17:20:44.5+00:00\",\"Metadata\":";

  static String resource(String name) {
    try (InputStream in = LegacyJsonLuaIT.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A v2 hash of an unbound connection, with no metadata. */
  static Map<String, String> base() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("handle", "42");
    h.put("state", "Connected");
    h.put("ipAddress", "203.0.113.5:50122");
    h.put("hostname", "host.example");
    h.put("connectionType", "telnet");
    h.put("owner", "connsrv-1");
    h.put("connectedAt", "1771002961765");
    h.put("lastSeen", "1771003244500");
    h.put("version", "7");
    return h;
  }

  static Map<String, String> withMeta(String key, String value) {
    Map<String, String> h = base();
    h.put("meta:" + key, value);
    return h;
  }

  /** Writes {@code hash} as the hash at KEY (replacing it) and runs legacyJson on it in Redis. */
  static String render(Map<String, String> hash) {
    redis.call("DEL", KEY);
    List<Object> args = new ArrayList<>();
    args.add(KEY);
    hash.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    redis.call("HSET", args.toArray());
    Response r = redis.call("EVAL", RENDER, 1, KEY);
    return r.toString();
  }

  static long ms(String iso) {
    return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
  }

  static String fixture(String name) throws IOException {
    return Files.readString(FIXTURES.resolve(name), StandardCharsets.UTF_8).strip();
  }

  /** The fixture's data as a v2 hash: timestamps in ms (sub-ms ticks truncated), metadata as meta:<K>. */
  static Map<String, String> asHash(String fixtureText) {
    JsonObject doc = new JsonObject(fixtureText);
    Map<String, String> h = new LinkedHashMap<>();
    h.put("handle", Long.toString(doc.getLong("Handle")));
    JsonObject ref = doc.getJsonObject("PlayerRef");
    if (ref != null) {
      Long created = ref.getLong("CreationMilliseconds");
      h.put("playerRef", "#" + ref.getInteger("Number") + (created == null ? "" : ":" + created));
    }
    h.put("state", doc.getString("State"));
    h.put("ipAddress", doc.getString("IpAddress"));
    h.put("hostname", doc.getString("Hostname"));
    h.put("connectionType", doc.getString("ConnectionType"));
    h.put("owner", "connsrv-1");
    h.put("connectedAt", Long.toString(ms(doc.getString("ConnectedAt"))));
    h.put("lastSeen", Long.toString(ms(doc.getString("LastSeen"))));
    h.put("version", "3");
    doc.getJsonObject("Metadata").forEach(e -> h.put("meta:" + e.getKey(), (String) e.getValue()));
    return h;
  }

  static final Pattern PAIR = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** The fixture text with its Metadata pairs (kept byte for byte) sorted by key in ascending UTF-8 byte order. */
  static String sortMetadata(String text) {
    int start = text.indexOf("\"Metadata\":{") + "\"Metadata\":{".length();
    assertThat(text).endsWith("}}");
    String body = text.substring(start, text.length() - 2);
    List<String[]> pairs = new ArrayList<>();
    Matcher m = PAIR.matcher(body);
    int consumed = 0;
    while (m.find()) {
      String key = new JsonObject("{" + m.group() + "}").fieldNames().iterator().next();
      pairs.add(new String[] {key, m.group()});
      consumed += m.group().length() + 1;
    }
    assertThat(consumed - 1).as("the metadata is only string pairs").isEqualTo(body.length());
    pairs.sort((a, b) -> Arrays.compareUnsigned(a[0].getBytes(StandardCharsets.UTF_8), b[0].getBytes(StandardCharsets.UTF_8)));
    StringBuilder out = new StringBuilder(text.substring(0, start));
    for (int i = 0; i < pairs.size(); i++) {
      out.append(i == 0 ? "" : ",").append(pairs.get(i)[1]);
    }
    return out.append("}}").toString();
  }

  @Test
  @DisplayName("renders conn-2.json byte for byte (metadata keys sorted): PlayerRef with creation time, 3 and 1 fractional digits")
  void fixtureConn2() throws IOException {
    String text = fixture("conn-2.json");
    assertThat(render(asHash(text))).isEqualTo(sortMetadata(text));
  }

  @Test
  @DisplayName("renders conn-1000001.json byte for byte (metadata sorted), but for the 100 ns tick of LastSeen ms cannot hold")
  void fixtureConn1000001() throws IOException {
    String text = fixture("conn-1000001.json");
    String tick = "\"LastSeen\":\"2026-02-13T17:31:12.0000001+00:00\"";
    assertThat(text).contains(tick);
    String expected = sortMetadata(text).replace(tick, "\"LastSeen\":\"2026-02-13T17:31:12+00:00\"");
    assertThat(render(asHash(text))).isEqualTo(expected);
  }

  @Test
  @DisplayName("renders conn-1.json (unbound) with its 7-digit fractions cut to milliseconds")
  void fixtureConn1() throws IOException {
    String text = fixture("conn-1.json");
    String seven = "2026-02-13T17:15:57.1234567+00:00";
    assertThat(text).contains(seven);
    String expected = sortMetadata(text).replace(seven, "2026-02-13T17:15:57.123+00:00");
    assertThat(render(asHash(text))).isEqualTo(expected);
  }

  @Test
  @DisplayName("writes an unbound connection with empty metadata as PlayerRef null and Metadata {}, without owner or version")
  void unboundEmptyMetadata() {
    assertThat(render(base())).isEqualTo(BASE + "{}}");
  }

  @Test
  @DisplayName("writes a PlayerRef with and without creation milliseconds, as numbers")
  void playerRefs() {
    Map<String, String> h = base();
    h.put("state", "LoggedIn");
    h.put("playerRef", "#5:1700000000000");
    assertThat(render(h)).isEqualTo(BASE.replace("\"PlayerRef\":null,\"State\":\"Connected\"",
        "\"PlayerRef\":{\"Number\":5,\"CreationMilliseconds\":1700000000000},\"State\":\"LoggedIn\"") + "{}}");
    h.put("playerRef", "#100");
    assertThat(render(h)).isEqualTo(BASE.replace("\"PlayerRef\":null,\"State\":\"Connected\"",
        "\"PlayerRef\":{\"Number\":100,\"CreationMilliseconds\":null},\"State\":\"LoggedIn\"") + "{}}");
  }

  @Test
  @DisplayName("prints large handles and creation times as plain digits, never in exponent form")
  void largeNumbers() {
    Map<String, String> h = base();
    h.put("handle", "9007199254740993");
    h.put("playerRef", "#2147483647:9007199254740993");
    assertThat(render(h)).startsWith("{\"Handle\":9007199254740993,"
        + "\"PlayerRef\":{\"Number\":2147483647,\"CreationMilliseconds\":9007199254740993},");
  }

  @Test
  @DisplayName("escapes a double quote as \\u0022 and a backslash as \\\\")
  void quotesAndBackslash() {
    assertThat(render(withMeta("K", "say \"hi\" C:\\dir\\")))
        .isEqualTo(BASE + "{\"K\":\"say \\u0022hi\\u0022 C:\\\\dir\\\\\"}}");
  }

  @Test
  @DisplayName("escapes < > & ' + and backtick as \\uXXXX, and leaves / alone")
  void htmlSensitive() {
    assertThat(render(withMeta("K", "<b>&'+`x`</b> a/b")))
        .isEqualTo(BASE + "{\"K\":\"\\u003Cb\\u003E\\u0026\\u0027\\u002B\\u0060x\\u0060\\u003C/b\\u003E a/b\"}}");
  }

  @Test
  @DisplayName("escapes \\b \\f \\n \\r \\t short and other control characters (and DEL) as \\u00XX in upper case")
  void controlCharacters() {
    assertThat(render(withMeta("K", "a\nb\u0001c\t\r\b\f\u001f\u007f~")))
        .isEqualTo(BASE + "{\"K\":\"a\\nb\\u0001c\\t\\r\\b\\f\\u001F\\u007F~\"}}");
  }

  @Test
  @DisplayName("escapes 2- and 3-byte UTF-8 characters as one \\uXXXX (é, €)")
  void nonAscii() {
    assertThat(render(withMeta("K", "Café 5€"))).isEqualTo(BASE + "{\"K\":\"Caf\\u00E9 5\\u20AC\"}}");
  }

  @Test
  @DisplayName("escapes a 4-byte UTF-8 character (emoji) as a UTF-16 surrogate pair")
  void emoji() {
    assertThat(render(withMeta("K", "hi \uD83D\uDE00"))).isEqualTo(BASE + "{\"K\":\"hi \\uD83D\\uDE00\"}}");
  }

  @Test
  @DisplayName("escapes metadata keys the same way as values")
  void escapedKeys() {
    assertThat(render(withMeta("W\u00f6rd<\"", "v"))).isEqualTo(BASE + "{\"W\\u00F6rd\\u003C\\u0022\":\"v\"}}");
  }

  @Test
  @DisplayName("orders metadata keys by ascending bytes (upper case before _ before lower case before non-ASCII)")
  void metadataOrder() {
    Map<String, String> h = base();
    for (String k : List.of("b", "é", "a", "_x", "Z", "B", "ab", "")) {
      h.put("meta:" + k, k.isEmpty() ? "empty" : k.toUpperCase());
    }
    assertThat(render(h)).isEqualTo(BASE
        + "{\"\":\"empty\",\"B\":\"B\",\"Z\":\"Z\",\"_x\":\"_X\",\"a\":\"A\",\"ab\":\"AB\",\"b\":\"B\",\"\\u00E9\":\"\\u00C9\"}}");
  }

  @Test
  @DisplayName("writes a timestamp with 0 ms without a fraction and one on 29 Feb 2024 with the right date")
  void timestamps() {
    Map<String, String> h = base();
    h.put("connectedAt", Long.toString(ms("2026-02-13T17:30:00Z")));
    h.put("lastSeen", Long.toString(ms("2024-02-29T23:59:59.780Z")));
    assertThat(render(h)).isEqualTo(BASE
        .replace("2026-02-13T17:16:01.765+00:00", "2026-02-13T17:30:00+00:00")
        .replace("2026-02-13T17:20:44.5+00:00", "2024-02-29T23:59:59.78+00:00") + "{}}");
  }

  @Test
  @DisplayName("writes the epoch and the last millisecond of year 9999")
  void timestampBounds() {
    Map<String, String> h = base();
    h.put("connectedAt", "0");
    h.put("lastSeen", Long.toString(ms("9999-12-31T23:59:59.999Z")));
    assertThat(render(h)).isEqualTo(BASE
        .replace("2026-02-13T17:16:01.765+00:00", "1970-01-01T00:00:00+00:00")
        .replace("2026-02-13T17:20:44.5+00:00", "9999-12-31T23:59:59.999+00:00") + "{}}");
  }

  /** java.time's rendering, as System.Text.Json trims it. */
  static String javaIso(long ms) {
    LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC);
    String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
        t.getHour(), t.getMinute(), t.getSecond());
    int frac = (int) (ms % 1000);
    if (frac != 0) {
      s += "." + String.format("%03d", frac).replaceAll("0+$", "");
    }
    return "\"" + s + "+00:00\"";
  }

  @Test
  @DisplayName("agrees with java.time on 4000 random instants in 1970-9999 and around the end of February of every year")
  void timestampsAgreeWithJavaTime() {
    Random random = new Random(20260213);
    long max = ms("9999-12-31T23:59:59.999Z");
    List<Object> args = new ArrayList<>(List.of(RENDER_TIMESTAMPS, 0));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      long v = (long) (random.nextDouble() * max);
      args.add(Long.toString(v));
      expected.add(javaIso(v));
    }
    for (int year = 1970; year <= 9999; year++) {
      List<String> days = new ArrayList<>(List.of("-02-28T23:59:59.999Z", "-03-01T00:00:00Z", "-12-31T23:59:59.9Z"));
      if (java.time.Year.isLeap(year)) {
        days.add("-02-29T12:00:00.05Z");
      }
      for (String day : days) {
        long v = ms(String.format("%04d", year) + day);
        args.add(Long.toString(v));
        expected.add(javaIso(v));
      }
    }
    Response r = redis.call("EVAL", args.toArray());
    List<String> got = new ArrayList<>();
    r.forEach(x -> got.add(x.toString()));
    assertThat(got).isEqualTo(expected);
  }

  static final String RENDER_TIMESTAMPS = LIBRARY
      + "\nlocal out = {}\nfor i = 1, #ARGV do out[i] = legacyTimestamp(ARGV[i]) end\nreturn out\n";

  /** The default-encoder rules, written independently in Java (over UTF-16 code units). */
  static String javaEscape(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20 || c >= 0x7f || "\"&'+<>`".indexOf(c) >= 0) {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  static final String RENDER_STRINGS = LIBRARY
      + "\nlocal out = {}\nfor i = 1, #ARGV do out[i] = legacyString(ARGV[i]) end\nreturn out\n";

  @Test
  @DisplayName("escapes every ASCII character and every UTF-8 length boundary as the encoder rules say")
  void escapingAgreesWithRules() {
    List<String> inputs = new ArrayList<>();
    for (int c = 0; c < 0x80; c++) {
      inputs.add("x" + (char) c + "y");
    }
    for (int cp : new int[] {0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000,
        0x1F600, 0x10FFFF}) {
      inputs.add("a" + new String(Character.toChars(cp)) + "b");
    }
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      StringBuilder s = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        int cp;
        do {
          cp = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x80);
            case 1 -> 0x80 + random.nextInt(0x780);
            case 2 -> 0x800 + random.nextInt(0xF800);
            default -> 0x10000 + random.nextInt(0x100000);
          };
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        s.appendCodePoint(cp);
      }
      inputs.add(s.toString());
    }
    List<Object> args = new ArrayList<>(List.of(RENDER_STRINGS, 0));
    args.addAll(inputs);
    Response r = redis.call("EVAL", args.toArray());
    List<String> got = new ArrayList<>();
    r.forEach(x -> got.add(x.toString()));
    assertThat(got).isEqualTo(inputs.stream().map(LegacyJsonLuaIT::javaEscape).toList());
  }

  @Test
  @DisplayName("produces valid JSON that JsonObject decodes back to the original values")
  void decodesBack() {
    Map<String, String> h = base();
    h.put("state", "LoggedIn");
    h.put("playerRef", "#5:1700000000000");
    h.put("hostname", "h\u00f6st \"<&>\" \\ `x` \uD83D\uDE00");
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("GMCP_ClientHello", "{\"client\":\"Mudlet\",\"version\":\"4.17.2\"}");
    meta.put("ClientName", "Café & Client ++ 5€ \uD83D\uDE00");
    meta.put("Ctl", "a\nb\u0001c\t\u007f'/");
    meta.put("K\u00e9y", "");
    meta.forEach((k, v) -> h.put("meta:" + k, v));
    JsonObject doc = new JsonObject(render(h));
    assertThat(doc.fieldNames()).containsExactly("Handle", "PlayerRef", "State", "IpAddress", "Hostname",
        "ConnectionType", "ConnectedAt", "LastSeen", "Metadata");
    assertThat(doc.getLong("Handle")).isEqualTo(42L);
    assertThat(doc.getJsonObject("PlayerRef").getMap())
        .isEqualTo(Map.of("Number", 5, "CreationMilliseconds", 1700000000000L));
    assertThat(doc.getString("State")).isEqualTo("LoggedIn");
    assertThat(doc.getString("IpAddress")).isEqualTo(h.get("ipAddress"));
    assertThat(doc.getString("Hostname")).isEqualTo(h.get("hostname"));
    assertThat(doc.getString("ConnectionType")).isEqualTo("telnet");
    assertThat(OffsetDateTime.parse(doc.getString("ConnectedAt")).toInstant().toEpochMilli()).isEqualTo(1771002961765L);
    assertThat(OffsetDateTime.parse(doc.getString("LastSeen")).toInstant().toEpochMilli()).isEqualTo(1771003244500L);
    assertThat(doc.getJsonObject("Metadata").getMap()).isEqualTo(meta);
  }
}
