package dev.connstate.ingress.bridge;

import dev.connstate.ops.MetricNames;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.util.function.IntSupplier;

/**
 * Reads the length-prefixed frames of one bridge socket (DESIGN appendix) within the limits of
 * §8: a frame longer than {@code maxFrameBytes}, one that does not arrive whole within
 * {@code frameTimeoutMs} of its length, or one the shared budget of partly received frames has
 * no room for ends the socket, since the stream cannot be resynchronised. What a half-sent
 * frame holds in memory is therefore bounded over all sockets.
 */
final class FrameReader implements Handler<Buffer> {
  /**
   * Frames up to this size are not counted against the shared budget: every command and
   * authentication fits, so a socket filling the budget with half-sent large frames cannot stop
   * other clients' requests. What they hold is bounded by {@code maxClients} times this.
   */
  static final int SMALL_FRAME_BYTES = 16 * 1024;

  /** What the reader hands on. */
  interface Listener {
    /** One whole frame's payload. */
    void frame(Buffer payload);

    /** A frame of length 0. */
    void empty();

    /** The stream must end: {@code reason} is a {@link MetricNames} CLOSED_ value, {@code detail} for people. */
    void fatal(String reason, String detail);
  }

  private final Vertx vertx;
  private final IntSupplier maxFrameBytes;
  private final int smallFrameBytes;
  private final long frameTimeoutMs;
  private final ByteBudget pending;
  private final Listener listener;
  private final RecordParser parser = RecordParser.newFixed(4);
  private boolean readingLength = true;
  private long reserved;
  private long deadline = -1;
  private boolean stopped;

  /**
   * @param maxFrameBytes the largest frame now (smaller before the socket authenticated)
   * @param smallFrameBytes frames up to this size are not counted against {@code pending}
   *     ({@link #SMALL_FRAME_BYTES} on a bridge)
   */
  FrameReader(Vertx vertx, IntSupplier maxFrameBytes, int smallFrameBytes, long frameTimeoutMs, ByteBudget pending,
              Listener listener) {
    this.vertx = vertx;
    this.maxFrameBytes = maxFrameBytes;
    this.smallFrameBytes = smallFrameBytes;
    this.frameTimeoutMs = frameTimeoutMs;
    this.pending = pending;
    this.listener = listener;
    parser.handler(this::record);
  }

  @Override
  public void handle(Buffer bytes) {
    if (!stopped) {
      parser.handle(bytes);
    }
  }

  /** The socket is gone: gives back what a half-read frame held. */
  void stop() {
    stopped = true;
    release();
  }

  private void record(Buffer record) {
    if (stopped) {
      return;
    }
    if (readingLength) {
      length(record.getUnsignedInt(0));
    } else {
      release();
      readingLength = true;
      parser.fixedSizeMode(4);
      listener.frame(record);
    }
  }

  private void length(long length) {
    int max = maxFrameBytes.getAsInt();
    if (length > max) {
      fatal(MetricNames.CLOSED_FRAME_TOO_LARGE, "a frame of " + length + " bytes exceeds the limit of " + max
          + " bytes" + (max == SMALL_FRAME_BYTES ? " for a socket that has not authenticated" : ""));
    } else if (length == 0) {
      listener.empty();
    } else if (length > smallFrameBytes && !pending.tryTake(length)) {
      fatal(MetricNames.CLOSED_FRAME_BUDGET, "the bridge holds too many partly received large frames to take one of "
          + length + " bytes now");
    } else {
      reserved = length > smallFrameBytes ? length : 0;
      readingLength = false;
      parser.fixedSizeMode((int) length);
      deadline = vertx.setTimer(frameTimeoutMs, id -> {
        deadline = -1;
        fatal(MetricNames.CLOSED_FRAME_TIMEOUT, "a frame of " + length + " bytes did not arrive whole within "
            + frameTimeoutMs + " ms");
      });
    }
  }

  private void fatal(String reason, String detail) {
    stop();
    listener.fatal(reason, detail);
  }

  private void release() {
    if (deadline >= 0) {
      vertx.cancelTimer(deadline);
      deadline = -1;
    }
    if (reserved > 0) {
      pending.give(reserved);
      reserved = 0;
    }
  }
}
