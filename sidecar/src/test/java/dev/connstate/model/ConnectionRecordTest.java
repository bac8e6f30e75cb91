package dev.connstate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A connection record")
class ConnectionRecordTest {

  static ConnectionRecord sample() {
    ConnectionRecord c = ConnectionRecord.create(42, "203.0.113.5:50122", "host", "telnet", "connsrv-1", 1000,
        Map.of("WIDTH", "120"));
    c.apply(FieldChange.empty().field(Fields.STATE, "LoggedIn").field(Fields.PLAYER_REF, "#5:1700000000000"), 2000);
    c.version(7);
    return c;
  }

  @Test
  @DisplayName("copies every field it has (checked by reflection, so a new field cannot be forgotten)")
  void copyHasEveryField() throws Exception {
    ConnectionRecord original = sample();
    ConnectionRecord copy = original.copy();
    for (Field field : ConnectionRecord.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers())) {
        continue;
      }
      field.setAccessible(true);
      assertThat(field.get(copy)).as(field.getName()).isEqualTo(field.get(original));
    }
    copy.apply(FieldChange.empty().metadata("WIDTH", "80"), 3000);
    assertThat(original.metadata("WIDTH")).as("the copy is independent").isEqualTo("120");
  }

  @Test
  @DisplayName("an address and host name held once, in the metadata they were copied to, stay the fields' own when "
      + "that metadata changes or goes")
  void copiedValuesSharedUntilChanged() {
    ConnectionRecord c = ConnectionRecord.create(42, "203.0.113.5:50122", "client.example.net", "telnet", "connsrv-1",
        1000, Map.of(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS, "203.0.113.5:50122", SharpMushKeys.HOST_NAME,
            "client.example.net"));
    ConnectionRecord copy = c.copy();
    c.apply(FieldChange.empty().metadata(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS, "198.51.100.9:4000")
        .metadata(SharpMushKeys.HOST_NAME, null), 2000);
    assertThat(c.ipAddress()).isEqualTo("203.0.113.5:50122");
    assertThat(c.hostname()).isEqualTo("client.example.net");
    assertThat(c.metadata(SharpMushKeys.INTERNET_PROTOCOL_ADDRESS)).isEqualTo("198.51.100.9:4000");
    assertThat(c.metadata(SharpMushKeys.HOST_NAME)).isNull();
    assertThat(copy.toJson().getString(Fields.HOSTNAME)).isEqualTo("client.example.net");
    c.apply(FieldChange.empty().field(Fields.IP_ADDRESS, "192.0.2.1:1"), 3000);
    assertThat(c.toJson().getString(Fields.IP_ADDRESS)).isEqualTo("192.0.2.1:1");
  }

  @Test
  @DisplayName("round-trips through the v2 hash")
  void hashRoundTrip() {
    ConnectionRecord original = sample();
    Map<String, String> hash = new HashMap<>();
    var fields = original.registerFields();
    for (int i = 0; i < fields.size(); i += 2) {
      hash.put(fields.get(i), fields.get(i + 1));
    }
    hash.put(Fields.HANDLE, "42");
    hash.put(Fields.VERSION, "7");
    hash.put(Fields.LAST_SEEN, "2000");
    assertThat(ConnectionRecord.fromHash(42, hash).toJson()).isEqualTo(original.toJson());
  }

  @Test
  @DisplayName("refuses a hash with a missing or malformed field, naming the handle and the field")
  void strictHash() {
    Map<String, String> hash = new HashMap<>(Map.of("handle", "42", "state", "Connected", "ipAddress", "i",
        "hostname", "h", "connectionType", "telnet", "connectedAt", "1", "lastSeen", "2", "version", "3"));
    assertThat(ConnectionRecord.fromHash(42, hash).version()).isEqualTo(3);
    Map<String, String> noState = new HashMap<>(hash);
    noState.remove("state");
    assertThatThrownBy(() -> ConnectionRecord.fromHash(42, noState)).isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("42").hasMessageContaining("state");
    Map<String, String> badVersion = new HashMap<>(hash);
    badVersion.put("version", "seven");
    assertThatThrownBy(() -> ConnectionRecord.fromHash(42, badVersion)).hasMessageContaining("version");
    Map<String, String> otherHandle = new HashMap<>(hash);
    otherHandle.put("handle", "43");
    assertThatThrownBy(() -> ConnectionRecord.fromHash(42, otherHandle)).hasMessageContaining("handle");
  }
}
