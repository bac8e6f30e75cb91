package dev.connstate.client;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

/**
 * The bridge's framing (docs/protocol.md §1): a 4-byte big-endian length, then that many bytes
 * of UTF-8 JSON holding one object. The decoder takes the byte stream in chunks of any size and
 * hands over whole frames; a length of 0 or above the cap, or a payload that is not a JSON
 * object, is a broken stream the caller must close, as it cannot be resynchronised.
 */
final class FrameCodec implements Handler<Buffer> {
  private final RecordParser parser = RecordParser.newFixed(4);
  private final int maxFrameBytes;
  private final Handler<JsonObject> frames;
  private final Handler<String> broken;
  private boolean readingLength = true;
  private boolean failed;

  /**
   * @param frames receives each decoded frame
   * @param broken receives why the stream cannot be read further; nothing is decoded after it
   */
  FrameCodec(int maxFrameBytes, Handler<JsonObject> frames, Handler<String> broken) {
    this.maxFrameBytes = maxFrameBytes;
    this.frames = frames;
    this.broken = broken;
    parser.handler(this::record);
  }

  /** One frame as it goes on the wire. */
  static Buffer encode(JsonObject frame) {
    Buffer json = frame.toBuffer();
    return Buffer.buffer(json.length() + 4).appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public void handle(Buffer chunk) {
    if (!failed) {
      parser.handle(chunk);
    }
  }

  private void record(Buffer record) {
    if (failed) {
      return;
    }
    if (readingLength) {
      long length = record.getUnsignedInt(0);
      if (length == 0 || length > maxFrameBytes) {
        fail("a frame of " + length + " bytes (the limit is " + maxFrameBytes + ")");
        return;
      }
      readingLength = false;
      parser.fixedSizeMode((int) length);
      return;
    }
    readingLength = true;
    parser.fixedSizeMode(4);
    JsonObject frame;
    try {
      frame = new JsonObject(record);
    } catch (RuntimeException e) {
      fail("a frame that is not a JSON object: " + e.getMessage());
      return;
    }
    frames.handle(frame);
  }

  private void fail(String why) {
    failed = true;
    broken.handle(why);
  }
}
