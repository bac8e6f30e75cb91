package dev.connstate.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private final List<JsonObject> frames = new ArrayList<>();
  private final List<String> broken = new ArrayList<>();
  private final FrameCodec codec = new FrameCodec(1024, frames::add, broken::add);

  @Test
  @DisplayName("a frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON")
  void encodes() {
    Buffer wire = FrameCodec.encode(new JsonObject().put("type", "ping"));
    assertThat(wire.getInt(0)).isEqualTo(15);
    assertThat(wire.getString(4, wire.length())).isEqualTo("{\"type\":\"ping\"}");
  }

  @Test
  @DisplayName("frames split at every byte, and several in one chunk, decode whole and in order")
  void decodesAnySplit() {
    JsonObject first = new JsonObject().put("type", "message").put("body", new JsonObject().put("név", "é✓"));
    JsonObject second = new JsonObject().put("type", "pong");
    Buffer wire = FrameCodec.encode(first).appendBuffer(FrameCodec.encode(second));
    for (int i = 0; i < wire.length(); i++) {
      codec.handle(wire.getBuffer(i, i + 1));
    }
    codec.handle(wire);
    assertThat(frames).containsExactly(first, second, first, second);
    assertThat(broken).isEmpty();
  }

  @Test
  @DisplayName("a length above the cap breaks the stream, and nothing after it is decoded")
  void oversized() {
    codec.handle(Buffer.buffer().appendInt(1025).appendString("x".repeat(10)));
    codec.handle(FrameCodec.encode(new JsonObject().put("type", "pong")));
    assertThat(broken).singleElement().asString().contains("1025 bytes");
    assertThat(frames).isEmpty();
  }

  @Test
  @DisplayName("a zero length or a payload that is not a JSON object breaks the stream")
  void malformed() {
    new FrameCodec(1024, frames::add, broken::add).handle(Buffer.buffer().appendInt(0));
    new FrameCodec(1024, frames::add, broken::add).handle(Buffer.buffer().appendInt(5).appendString("[1,2]"));
    assertThat(broken).hasSize(2);
    assertThat(frames).isEmpty();
  }
}
