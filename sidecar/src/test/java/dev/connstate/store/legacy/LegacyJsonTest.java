package dev.connstate.store.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The v1 record codec against the exact samples SharpMUSH's v1 store wrote
 * ({@code ../shared/fixtures/legacy/}, copied to {@code src/test/resources/fixtures/legacy/}).
 */
@DisplayName("The v1 (legacy) JSON codec")
class LegacyJsonTest {
  private static final Path FIXTURES = dev.connstate.testing.LegacyFixtures.DIR;
  private static final String METADATA_OPEN = "\"Metadata\":{";

  // ---------------------------------------------------------------- parse: the samples

  @Test
  @DisplayName("reads conn-1: connected, no player, 7 fractional digits truncated to the millisecond")
  void parsesConn1() throws IOException {
    ConnectionRecord r = LegacyJson.parse(1, fixture("conn-1.json"));
    assertThat(r.handle()).isEqualTo(1);
    assertThat(r.state()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(r.playerRef()).isNull();
    assertThat(r.ipAddress()).isEqualTo("127.0.0.1:54321");
    assertThat(r.hostname()).isEqualTo("127.0.0.1:54321");
    assertThat(r.connectionType()).isEqualTo("telnet");
    assertThat(r.connectedAt()).isEqualTo(millis("2026-02-13T17:15:57.123Z"));
    assertThat(r.lastSeen()).isEqualTo(millis("2026-02-13T17:15:57.123Z"));
    assertThat(r.owner()).as("v1 had no owner").isNull();
    assertThat(r.version()).isEqualTo(1);
    assertThat(r.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "ConnectionStartTime", "1771002957123", "LastConnectionSignal", "1771002957123",
        "InternetProtocolAddress", "127.0.0.1:54321", "HostName", "127.0.0.1:54321", "ConnectionType", "telnet"));
  }

  @Test
  @DisplayName("reads conn-2: logged in with a creation time, 3 and 1 fractional digits")
  void parsesConn2() throws IOException {
    ConnectionRecord r = LegacyJson.parse(2, fixture("conn-2.json"));
    assertThat(r.state()).isEqualTo(ConnectionState.LOGGED_IN);
    assertThat(r.playerRef()).isEqualTo("#5:1700000000000");
    assertThat(r.ipAddress()).isEqualTo("203.0.113.5:50122");
    assertThat(r.hostname()).isEqualTo("203.0.113.5:50122");
    assertThat(r.connectionType()).isEqualTo("telnet");
    assertThat(r.connectedAt()).isEqualTo(millis("2026-02-13T17:16:01.765Z"));
    assertThat(r.lastSeen()).isEqualTo(millis("2026-02-13T17:20:44.500Z"));
    assertThat(r.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "ConnectionStartTime", "1771002961765", "LastConnectionSignal", "1771003244500",
        "InternetProtocolAddress", "203.0.113.5:50122", "HostName", "203.0.113.5:50122",
        "ConnectionType", "telnet", "WIDTH", "120", "HEIGHT", "40", "CMDS", "17"));
  }

  @Test
  @DisplayName("reads conn-1000001: player without creation time, IPv6, escaped characters, 0 and 7 fractional digits")
  void parsesConn1000001() throws IOException {
    ConnectionRecord r = LegacyJson.parse(1_000_001, fixture("conn-1000001.json"));
    assertThat(r.handle()).isEqualTo(1_000_001);
    assertThat(r.state()).isEqualTo(ConnectionState.LOGGED_IN);
    assertThat(r.playerRef()).isEqualTo("#100");
    assertThat(r.ipAddress()).isEqualTo("[2001:db8::7]:61000");
    assertThat(r.hostname()).isEqualTo("play.example.org");
    assertThat(r.connectionType()).isEqualTo("websocket");
    assertThat(r.connectedAt()).isEqualTo(millis("2026-02-13T17:30:00Z"));
    assertThat(r.lastSeen()).as("0.0000001 s is below a millisecond").isEqualTo(millis("2026-02-13T17:31:12Z"));
    assertThat(r.metadata()).hasSize(10)
        .containsEntry("ClientName", "Café & Client ++")
        .containsEntry("GMCP_ClientHello", "{\"client\":\"Mudlet\",\"version\":\"4.17.2\"}")
        .containsEntry("TerminalType", "XTERM-256COLOR")
        .containsEntry("GMCP", "1")
        .containsEntry("GMCP_Core", "1");
  }

  @Test
  @DisplayName("reports the truncated sample as malformed, naming handle 3")
  void truncatedSample() {
    assertThatThrownBy(() -> LegacyJson.parse(3, fixture("malformed-truncated.json")))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("handle 3: ")
        .hasMessageContaining("not valid JSON");
  }

  @Test
  @DisplayName("reports the sample with wrong types as malformed, naming handle 4 and the property")
  void wrongTypesSample() {
    assertThatThrownBy(() -> LegacyJson.parse(4, fixture("malformed-types.json")))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("handle 4: ")
        .hasMessageContaining("Handle must be an integer")
        .hasMessageContaining("\"four\"");
  }

  // ---------------------------------------------------------------- encode: byte for byte

  @Test
  @DisplayName("writes conn-2 back byte for byte (Metadata keys in ascending order)")
  void encodesConn2Exactly() throws IOException {
    String v1 = fixture("conn-2.json");
    assertThat(LegacyJson.encode(LegacyJson.parse(2, v1))).isEqualTo(withSortedMetadata(v1));
  }

  @Test
  @DisplayName("writes conn-1000001 back byte for byte, escapes included, but for its sub-millisecond LastSeen")
  void encodesConn1000001Exactly() throws IOException {
    String v1 = fixture("conn-1000001.json");
    // LastSeen 17:31:12.0000001 is 100 ns past the second: at millisecond precision it is 17:31:12
    String expected = withSortedMetadata(v1).replace("17:31:12.0000001+00:00", "17:31:12+00:00");
    assertThat(LegacyJson.encode(LegacyJson.parse(1_000_001, v1))).isEqualTo(expected);
  }

  @Test
  @DisplayName("writes conn-1 back with its 7 fractional digits truncated to 3, the rest byte for byte")
  void encodesConn1Truncated() throws IOException {
    String v1 = fixture("conn-1.json");
    String expected = withSortedMetadata(v1).replace("17:15:57.1234567+00:00", "17:15:57.123+00:00");
    assertThat(LegacyJson.encode(LegacyJson.parse(1, v1))).isEqualTo(expected);
  }

  @Test
  @DisplayName("escapes strings exactly as JavaScriptEncoder.Default: \\u0022, \\\\, HTML characters, controls, non-ASCII in uppercase hex")
  void escapesLikeSystemTextJson() {
    String value = "\"\\<>&'+`/é😀\b\f\n\r\t" + (char) 0 + (char) 0x1F + (char) 0x7F + "\u2028 ok~";
    String expected = "\\u0022\\\\\\u003C\\u003E\\u0026\\u0027\\u002B\\u0060/\\u00E9\\uD83D\\uDE00"
        + "\\b\\f\\n\\r\\t\\u0000\\u001F\\u007F\\u2028 ok~";
    String v1 = LegacyJson.encode(record(7, null, Map.of("K", value)));
    assertThat(v1).contains(",\"Metadata\":{\"K\":\"" + expected + "\"}}");
  }

  @Test
  @DisplayName("writes an unpaired surrogate as \\uFFFD, as the default encoder does")
  void loneSurrogateBecomesReplacementCharacter() {
    String v1 = LegacyJson.encode(record(7, null, Map.of("K", "a\uD800b")));
    assertThat(v1).contains("\"K\":\"a\\uFFFDb\"");
  }

  @Test
  @DisplayName("writes every property in ConnectionStateData's order, nulls included, timestamps in UTC with the fraction trimmed")
  void propertyOrderAndTimestamps() {
    ConnectionRecord r = ConnectionRecord.create(9, "1.2.3.4:5", "h", "telnet", "owner-is-dropped",
        millis("2026-02-13T17:16:01.050Z"), Map.of("B", "2", "A", "1"));
    r.apply(FieldChange.empty(), millis("2026-02-13T17:20:44Z"));
    assertThat(LegacyJson.encode(r)).isEqualTo("{\"Handle\":9,\"PlayerRef\":null,\"State\":\"Connected\","
        + "\"IpAddress\":\"1.2.3.4:5\",\"Hostname\":\"h\",\"ConnectionType\":\"telnet\","
        + "\"ConnectedAt\":\"2026-02-13T17:16:01.05+00:00\",\"LastSeen\":\"2026-02-13T17:20:44+00:00\","
        + "\"Metadata\":{\"A\":\"1\",\"B\":\"2\"}}");
    r.apply(FieldChange.empty().field(Fields.STATE, "LoggedIn").field(Fields.PLAYER_REF, "#100"), 0);
    assertThat(LegacyJson.encode(r)).contains("\"PlayerRef\":{\"Number\":100,\"CreationMilliseconds\":null},");
  }

  @Test
  @DisplayName("refuses to write a timestamp .NET cannot hold")
  void refusesYearBeyond9999() {
    ConnectionRecord r = ConnectionRecord.create(9, "i", "h", "telnet", null, millis("+10000-01-01T00:00:00Z"),
        Map.of());
    assertThatThrownBy(() -> LegacyJson.encode(r)).isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- round trips

  @Test
  @DisplayName("round-trips records with tricky strings: quotes, backslash, <>&'+ and backtick, emoji, controls, slash")
  void roundTripsTrickyStrings() {
    for (ConnectionRecord r : trickyRecords()) {
      String v1 = LegacyJson.encode(r);
      assertThat(v1).as("pure ASCII, as the default encoder writes").matches("[\\x20-\\x7E]*");
      assertThat(LegacyJson.parse(r.handle(), v1).toJson()).as(v1).isEqualTo(r.toJson());
    }
  }

  @Test
  @DisplayName("writes valid JSON that any reader (here Vert.x's) decodes to the same values")
  void encodedIsValidJson() {
    for (ConnectionRecord r : trickyRecords()) {
      JsonObject decoded = new JsonObject(LegacyJson.encode(r));
      assertThat(decoded.fieldNames()).containsExactly("Handle", "PlayerRef", "State", "IpAddress", "Hostname",
          "ConnectionType", "ConnectedAt", "LastSeen", "Metadata");
      assertThat(decoded.getLong("Handle")).isEqualTo(r.handle());
      assertThat(decoded.getString("State")).isEqualTo(r.state().wire());
      assertThat(decoded.getString("IpAddress")).isEqualTo(r.ipAddress());
      assertThat(decoded.getString("Hostname")).isEqualTo(r.hostname());
      assertThat(decoded.getString("ConnectionType")).isEqualTo(r.connectionType());
      assertThat(Instant.parse(decoded.getString("ConnectedAt").replace("+00:00", "Z")).toEpochMilli())
          .isEqualTo(r.connectedAt());
      assertThat(decoded.getJsonObject("Metadata").getMap()).isEqualTo(r.metadata());
      JsonObject ref = decoded.getJsonObject("PlayerRef");
      assertThat(ref.getInteger("Number")).isEqualTo(5);
      assertThat(ref.getLong("CreationMilliseconds")).isEqualTo(1_700_000_000_000L);
    }
  }

  // ---------------------------------------------------------------- parse: strictness and leniency

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedVariants")
  @DisplayName("refuses a malformed record, naming the handle and the problem")
  void refusesMalformed(String what, String json, String named) {
    assertThatThrownBy(() -> LegacyJson.parse(2, json))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("handle 2: ")
        .hasMessageContaining(named);
  }

  static Stream<Arguments> malformedVariants() throws IOException {
    String v1 = fixture("conn-2.json");
    return Stream.of(
        variant("a Handle other than the key's", v1.replace("\"Handle\":2", "\"Handle\":3"), "Handle is 3"),
        variant("a Handle that is not an integer", v1.replace("\"Handle\":2", "\"Handle\":2.0"), "Handle"),
        variant("an unknown State", v1.replace("LoggedIn", "Disconnected"), "State"),
        variant("a State in other case", v1.replace("LoggedIn", "loggedin"), "State"),
        variant("a State as a number", v1.replace("\"LoggedIn\"", "1"), "State"),
        variant("a missing IpAddress", v1.replace("\"IpAddress\":\"203.0.113.5:50122\",", ""), "lacks property IpAddress"),
        variant("a null Hostname", v1.replace("\"Hostname\":\"203.0.113.5:50122\"", "\"Hostname\":null"), "Hostname is null"),
        variant("a timestamp without offset", v1.replace("17:16:01.765+00:00", "17:16:01.765"), "ConnectedAt"),
        variant("a timestamp that is not ISO-8601", v1.replace("2026-02-13T17:16:01.765+00:00", "13/02/2026 17:16"),
            "ConnectedAt"),
        variant("a timestamp on a day that does not exist", v1.replace("2026-02-13T17:20", "2026-02-30T17:20"), "LastSeen"),
        variant("an offset beyond 14 hours", v1.replace("17:20:44.5+00:00", "17:20:44.5+15:00"), "LastSeen"),
        variant("a PlayerRef.Number as a string", v1.replace("\"Number\":5", "\"Number\":\"5\""), "PlayerRef.Number"),
        variant("a PlayerRef without Number", v1.replace("\"Number\":5,", ""), "PlayerRef.Number"),
        variant("a negative PlayerRef.Number", v1.replace("\"Number\":5", "\"Number\":-5"), "PlayerRef"),
        variant("a PlayerRef that is a string", v1.replace(
            "{\"Number\":5,\"CreationMilliseconds\":1700000000000}", "\"#5\""), "PlayerRef"),
        variant("a CreationMilliseconds as a string", v1.replace("1700000000000", "\"1700000000000\""),
            "PlayerRef.CreationMilliseconds"),
        variant("a metadata value that is a number", v1.replace("\"WIDTH\":\"120\"", "\"WIDTH\":120"), "Metadata[\"WIDTH\"]"),
        variant("a metadata value that is null", v1.replace("\"WIDTH\":\"120\"", "\"WIDTH\":null"), "Metadata[\"WIDTH\"]"),
        variant("Metadata that is an array", v1.substring(0, v1.indexOf(METADATA_OPEN)) + "\"Metadata\":[]}", "Metadata"),
        variant("a missing Metadata", v1.substring(0, v1.indexOf(",\"Metadata\"")) + "}", "lacks property Metadata"),
        variant("an unpaired surrogate", v1.replace("\"CMDS\":\"17\"", "\"CMDS\":\"\\uD800\""), "unpaired"),
        variant("a comment (System.Text.Json refuses them)", "/* v1 */" + v1, "not valid JSON"),
        variant("a second value after the object", v1 + "{}", "not valid JSON"),
        variant("an array instead of an object", "[" + v1 + "]", "not a JSON object"),
        variant("an empty string", "", "record is empty"));
  }

  @Test
  @DisplayName("honours any offset and keeps up to the millisecond of any number of fractional digits")
  void timestampsWithOffsets() throws IOException {
    String v1 = fixture("conn-2.json");
    long expected = millis("2026-02-13T17:16:01.765Z");
    for (String text : List.of("2026-02-13T18:16:01.765+01:00", "2026-02-13T11:46:01.765-05:30",
        "2026-02-13T17:16:01.765Z", "2026-02-13T17:16:01.7659999+00:00", "2026-02-13T17:16:01.765999999999+00:00")) {
      ConnectionRecord r = LegacyJson.parse(2, v1.replace("2026-02-13T17:16:01.765+00:00", text));
      assertThat(r.connectedAt()).as(text).isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("ignores unknown properties and reads an absent PlayerRef as not logged in, as System.Text.Json does")
  void lenientWhereV1WasLenient() throws IOException {
    String v1 = fixture("conn-1.json");
    String extra = v1.replace("{\"Handle\":1,\"PlayerRef\":null,", "{\"Handle\":1,\"Future\":{\"x\":[1,2]},");
    ConnectionRecord r = LegacyJson.parse(1, extra);
    assertThat(r.playerRef()).isNull();
    assertThat(r.toJson()).isEqualTo(LegacyJson.parse(1, v1).toJson());
  }

  // ---------------------------------------------------------------- helpers

  private static Arguments variant(String what, String json, String named) {
    return Arguments.of(what, json, named);
  }

  private static String fixture(String name) throws IOException {
    return Files.readString(FIXTURES.resolve(name));
  }

  private static long millis(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  /**
   * The sample with its Metadata entries in ascending key order, as {@link LegacyJson#encode}
   * writes them. Splitting between a closing and an opening quote is safe: v1 escapes every quote
   * inside a string, so a bare quote only ever bounds one.
   */
  private static String withSortedMetadata(String v1) {
    int start = v1.indexOf(METADATA_OPEN) + METADATA_OPEN.length();
    assertThat(v1).endsWith("}}");
    List<String> entries = new ArrayList<>(List.of(v1.substring(start, v1.length() - 2).split("(?<=\"),(?=\")")));
    entries.sort(Comparator.comparing(entry -> entry.substring(0, entry.indexOf("\":\""))));
    return v1.substring(0, start) + String.join(",", entries) + "}}";
  }

  /** A stored record as a v1 parse returns it: no owner, version 1. */
  private static ConnectionRecord record(long handle, String playerRef, Map<String, String> metadata) {
    return record(handle, "203.0.113.5:50122", "host.example", "telnet", playerRef, metadata);
  }

  private static ConnectionRecord record(long handle, String ip, String host, String type, String playerRef,
                                         Map<String, String> metadata) {
    ConnectionRecord r = ConnectionRecord.create(handle, ip, host, type, null, millis("2026-02-13T17:16:01.765Z"),
        metadata);
    FieldChange login = playerRef == null ? FieldChange.empty()
        : FieldChange.empty().field(Fields.STATE, "LoggedIn").field(Fields.PLAYER_REF, playerRef);
    r.apply(login, millis("2026-02-13T17:20:44.500Z"));
    r.version(1);
    return r;
  }

  private static List<ConnectionRecord> trickyRecords() {
    List<String> tricky = List.of(
        "say \"hi\" and \"bye\"",
        "C:\\path\\to\\file \\u0041 not an escape",
        "<script>alert('x')</script> & a+b=c",
        "back`tick`",
        "emoji 😀 clef 𝄞 and ZWJ 👩‍💻",
        "controls " + (char) 0 + (char) 1 + "\b\f\n\r\t" + (char) 0x1F + (char) 0x7F + " end",
        "/slash/and/\\/escaped",
        "Café ü ß 中文 \u2028\u2029 \uFEFF",
        "");
    List<ConnectionRecord> records = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < tricky.size(); i++) {
      metadata.put("key " + tricky.get(i), tricky.get((i + 1) % tricky.size()));
      records.add(record(100 + i, tricky.get(i), tricky.get((i + 2) % tricky.size()),
          tricky.get((i + 3) % tricky.size()), "#5:1700000000000", metadata));
    }
    return records;
  }
}
