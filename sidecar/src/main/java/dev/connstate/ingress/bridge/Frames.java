package dev.connstate.ingress.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * The frames of the Vert.x TCP event-bus bridge protocol (DESIGN appendix): a 4-byte
 * big-endian length, then that many bytes of UTF-8 JSON. Byte-compatible with the stock
 * bridge, so existing clients work unchanged.
 */
final class Frames {
  static final String TYPE = "type";
  static final String SEND = "send";
  static final String PUBLISH = "publish";
  static final String REGISTER = "register";
  static final String UNREGISTER = "unregister";
  static final String PING = "ping";
  static final String PONG = "pong";
  static final String ERR = "err";
  static final String ACCESS_DENIED = "access_denied";
  /** The frame types that name an address. */
  static final java.util.Set<String> ADDRESSED_TYPES = java.util.Set.of(SEND, PUBLISH, REGISTER, UNREGISTER);

  private Frames() {
  }

  /** Encodes one frame. */
  static Buffer encode(JsonObject frame) {
    Buffer json = frame.toBuffer();
    return Buffer.buffer(json.length() + 4).appendInt(json.length()).appendBuffer(json);
  }

  /**
   * A message delivered to a client, encoded: a reply ({@code send} true) or an event
   * ({@code send} false), with empty headers. Written without building the frame object: the
   * envelope is fixed, only the address and the body need JSON encoding.
   */
  static Buffer encodeMessage(String address, Object body, boolean send) {
    Buffer frame = Buffer.buffer(256).appendInt(0).appendString(MESSAGE_START);
    JsonWriter.string(frame, address);
    JsonWriter.append(frame.appendString(MESSAGE_BODY), body)
        .appendString(send ? MESSAGE_END_SEND : MESSAGE_END_PUBLISH);
    return frame.setInt(0, frame.length() - 4);
  }

  private static final String MESSAGE_START = "{\"type\":\"message\",\"address\":";
  private static final String MESSAGE_BODY = ",\"headers\":{},\"body\":";
  private static final String MESSAGE_END_SEND = ",\"send\":true}";
  private static final String MESSAGE_END_PUBLISH = ",\"send\":false}";

  /** A failed request, as the stock bridge reports a {@link ReplyException}. */
  static JsonObject failure(String replyAddress, String sourceAddress, ReplyException e) {
    return new JsonObject().put(TYPE, ERR).put("address", replyAddress).put("sourceAddress", sourceAddress)
        .put("failureCode", e.failureCode()).put("failureType", e.failureType().name()).put("message", e.getMessage());
  }

  /** A refused address: the stock {@code access_denied}, plus the code and the reply address when known. */
  static JsonObject denied(String replyAddress, String sourceAddress, int code) {
    JsonObject frame = new JsonObject().put(TYPE, ERR).put("message", ACCESS_DENIED).put("failureCode", code);
    if (replyAddress != null) {
      // a failed request to the client's reply handler: shaped like every other failed request
      frame.put("address", replyAddress).put("sourceAddress", sourceAddress)
          .put("failureType", io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE.name());
    }
    return frame;
  }

  /**
   * A frame the bridge cannot act on. {@code message} is the reason word alone
   * ({@code missing_address} …), exactly as the stock bridge writes it where it has one, so that
   * clients comparing it keep working; {@code detail} says more, for people.
   */
  static JsonObject error(String reason, String detail) {
    return new JsonObject().put(TYPE, ERR).put("message", reason).put("detail", detail);
  }

  /**
   * A frame refused for who sent it ({@code 401}, {@code 403}): a failed request to the reply
   * address when the frame had one, else an {@code err} frame with the reason word.
   */
  static JsonObject refused(String replyAddress, String sourceAddress, int code, String reason, String message) {
    if (replyAddress == null) {
      return error(reason, message).put("failureCode", code);
    }
    return new JsonObject().put(TYPE, ERR).put("address", replyAddress).put("sourceAddress", sourceAddress)
        .put("failureCode", code).put("failureType", io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE.name())
        .put("message", message);
  }
}
