package dev.connstate.store.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A hash packed by read.lua into one string")
class RepliesTest {

  /** What read.lua builds: per field and per value its length in bytes, a colon and its bytes. */
  private static Response packed(Map<String, String> hash) {
    StringBuilder out = new StringBuilder();
    hash.forEach((field, value) -> {
      out.append(field.getBytes(StandardCharsets.UTF_8).length).append(':').append(field);
      out.append(value.getBytes(StandardCharsets.UTF_8).length).append(':').append(value);
    });
    return BulkType.create(Buffer.buffer(out.toString()), false);
  }

  @Test
  @DisplayName("reads back every field and value: multi-byte UTF-8, empty values, digits and colons inside")
  void roundTrip() {
    Map<String, String> hash = new LinkedHashMap<>();
    hash.put("handle", "42");
    hash.put("meta:CHARSET", "");
    hash.put("meta:Motto", "12:34 über 🐉 — «ok»");
    hash.put("meta:12:3", "7:abc");
    hash.put("hostname", "a".repeat(4_000));
    assertThat(Replies.packedHash(packed(hash))).isEqualTo(hash);
    assertThat(Replies.packedHash(packed(Map.of()))).isEmpty();
  }

  @Test
  @DisplayName("a cut or malformed text is refused, not read as something else")
  void malformed() {
    for (String text : new String[] {"6:handle2:4", "6:handle", "x:handle2:42", "6handle2:42", "99999999999:a"}) {
      assertThatThrownBy(() -> Replies.packedHash(BulkType.create(Buffer.buffer(text), false)))
          .as(text).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
