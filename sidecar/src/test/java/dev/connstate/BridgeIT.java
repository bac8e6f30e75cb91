package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.Connection;
import dev.connstate.client.EventSubscription;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The TCP event-bus bridge, spoken byte by byte over plain sockets (DESIGN §2 and the appendix).
 * One sidecar serves the whole class; a bystander client stays connected through every test and
 * must keep working while other clients send it garbage. The last test checks the sidecar is
 * still healthy after all of it.
 */
@DisplayName("The TCP event-bus bridge")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeIT {
  private static final int MAX_FRAME_BYTES = 1024 * 1024;
  private static final String SECRET = "vertx.secret";
  private static final AtomicLong HANDLES = new AtomicLong(91_000);
  private static final AtomicInteger PLAYERS = new AtomicInteger(7_000);

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  static TestSidecar sidecar;
  /** Connected from the first test to the last; must answer after every bad frame of the others. */
  static RawBridge bystander;
  static long bystanderHandle;
  /** Counts what reaches {@link #SECRET} on the sidecar's own event bus: must stay zero. */
  static final AtomicInteger secretsReceived = new AtomicInteger();
  static MessageConsumer<Object> secretConsumer;
  /** Vert.x's gauge of registered event-bus handlers (commands, the secret consumer, bridge clients' registrations). */
  static final String EVENT_BUS_HANDLERS = "vertx.eventbus.handlers";
  static double baselineHandlers;

  @BeforeAll
  static void start() {
    sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("bridge"), "bridge-a",
        new JsonObject().put("bridge", new JsonObject().put("maxFrameBytes", MAX_FRAME_BYTES))
            // Vert.x's gauge of event-bus handlers shows that no registration outlives its client
            .put("eventBusMetrics", true));
    secretConsumer = sidecar.sidecar().vertx().eventBus().consumer(SECRET, m -> secretsReceived.incrementAndGet());
    Await.result(secretConsumer.completion());
    baselineHandlers = meter(EVENT_BUS_HANDLERS);
    bystander = new RawBridge(sidecar.bridgePort());
    bystanderHandle = HANDLES.incrementAndGet();
    // its event travels through Redis and may arrive after the reply: wait for it, so that no
    // test that subscribes later receives it
    java.util.concurrent.CompletableFuture<Void> published = new java.util.concurrent.CompletableFuture<>();
    EventSubscription events = sidecar.client().rawEvents(e -> {
      if (e.handle() == bystanderHandle) {
        published.complete(null);
      }
    });
    Await.result(events.ready());
    JsonObject registered = bystander.request(Addresses.REGISTER, registerBody(bystanderHandle, "bystander"));
    assertThat(registered.getString("type")).isEqualTo("message");
    Await.result(io.vertx.core.Future.fromCompletionStage(published));
    Await.result(events.unregister());
  }

  @AfterAll
  static void stop() {
    if (bystander != null) {
      bystander.close();
    }
    if (sidecar != null) {
      sidecar.close();
    }
  }

  // ---------------------------------------------------------------- 1. lifecycle

  @Test
  @Order(1)
  @DisplayName("carries a connection's whole life over a raw socket, in the stock frame shapes, with its events")
  void fullLifecycle() {
    long handle = HANDLES.incrementAndGet();
    String player = "#" + PLAYERS.incrementAndGet() + ":1700000000000";
    String owner = "lifecycle-" + handle;
    try (RawBridge raw = new RawBridge(sidecar.bridgePort())) {
      raw.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(raw.framesBeforePong()).as("frames before the first pong").isEmpty();

      JsonObject registered = reply(raw, Addresses.REGISTER, registerBody(handle, owner));
      assertThat(fields(registered)).containsEntry("handle", handle).containsEntry("state", "Connected")
          .containsEntry("created", true).containsEntry("version", 1L).containsEntry("owner", owner)
          .doesNotContainKey("playerRef");
      assertThat(registered.getJsonObject("metadata").fieldNames()).contains("ConnectionStartTime",
          "LastConnectionSignal", "InternetProtocolAddress", "HostName", "ConnectionType");
      JsonObject registeredEvent = event(raw, handle, "registered", 1);
      assertThat(fields(registeredEvent.getJsonObject("changes"))).containsEntry("state", "Connected")
          .containsEntry("owner", owner);

      JsonObject bound = reply(raw, Addresses.BIND, new JsonObject().put("handle", handle).put("playerRef", player));
      assertThat(fields(bound)).containsEntry("state", "LoggedIn").containsEntry("playerRef", player)
          .containsEntry("version", 2L);
      assertThat(event(raw, handle, "bound", 2).getJsonObject("changes"))
          .isEqualTo(new JsonObject().put("state", "LoggedIn").put("playerRef", player));

      JsonObject updated = reply(raw, Addresses.UPDATE, new JsonObject().put("handle", handle)
          .put("metadata", new JsonObject().put("WIDTH", "120")));
      assertThat(updated).isEqualTo(new JsonObject().put("handle", handle).put("persisted", false));
      assertThat(event(raw, handle, "updated", 3).getJsonObject("changes"))
          .isEqualTo(new JsonObject().put("metadata", new JsonObject().put("WIDTH", "120")));

      long beforeTouch = System.currentTimeMillis();
      JsonObject touched = reply(raw, Addresses.TOUCH, new JsonObject().put("handle", handle));
      assertThat(touched).isEqualTo(new JsonObject().put("handle", handle).put("persisted", false));
      JsonObject touchChanges = event(raw, handle, "updated", 4).getJsonObject("changes");
      assertThat(touchChanges.fieldNames()).containsExactly("metadata");
      assertThat(Long.parseLong(touchChanges.getJsonObject("metadata").getString("LastConnectionSignal")))
          .isGreaterThanOrEqualTo(beforeTouch);

      JsonObject got = reply(raw, Addresses.GET, new JsonObject().put("handle", handle));
      assertThat(fields(got)).containsEntry("handle", handle).containsEntry("state", "LoggedIn")
          .containsEntry("playerRef", player).containsEntry("version", 4L).doesNotContainKey("created");
      assertThat(fields(got.getJsonObject("metadata"))).containsEntry("WIDTH", "120");

      JsonObject byPlayer = reply(raw, Addresses.BY_PLAYER, new JsonObject().put("playerRef", player));
      assertThat(byPlayer.getJsonArray("handles")).isEqualTo(new JsonArray().add(handle));

      JsonObject listed = reply(raw, Addresses.LIST, new JsonObject().put("owner", owner));
      assertThat(listed).isEqualTo(new JsonObject().put("connections", new JsonArray().add(got))
          .putNull("cursor").put("total", 1));

      JsonObject unbound = reply(raw, Addresses.UNBIND, new JsonObject().put("handle", handle));
      assertThat(fields(unbound)).containsEntry("state", "Connected").containsEntry("version", 5L)
          .doesNotContainKey("playerRef");
      assertThat(event(raw, handle, "unbound", 5).getJsonObject("changes"))
          .isEqualTo(new JsonObject().put("state", "Connected").putNull("playerRef"));

      JsonObject disconnected = reply(raw, Addresses.DISCONNECT, new JsonObject().put("handle", handle)
          .put("reason", "quit"));
      assertThat(disconnected).isEqualTo(new JsonObject().put("handle", handle).put("removed", true));
      event(raw, handle, "disconnected", 6);

      String notFound = raw.send(Addresses.GET, new JsonObject().put("handle", handle));
      assertThat(raw.awaitReply(notFound)).isEqualTo(new JsonObject().put("type", "err").put("address", notFound)
          .put("sourceAddress", Addresses.GET).put("failureCode", 404).put("failureType", "RECIPIENT_FAILURE")
          .put("message", "no connection with handle " + handle));

      String malformed = raw.send(Addresses.BIND, new JsonObject().put("handle", handle).put("playerRef", "five"));
      JsonObject badRequest = raw.awaitReply(malformed);
      assertThat(badRequest.fieldNames()).containsExactlyInAnyOrder("type", "address", "sourceAddress",
          "failureCode", "failureType", "message");
      assertThat(fields(badRequest)).containsEntry("type", "err").containsEntry("sourceAddress", Addresses.BIND)
          .containsEntry("failureCode", 400L).containsEntry("failureType", "RECIPIENT_FAILURE");
      assertThat(badRequest.getString("message")).contains("playerRef");

      raw.write(new JsonObject().put("type", "ping"));
      assertThat(raw.read()).isEqualTo(new JsonObject().put("type", "pong"));
      assertThat(raw.framesBeforePong()).as("frames left over after the lifecycle").isEmpty();
    }
  }

  // ---------------------------------------------------------------- 2. malformed input

  @Test
  @Order(10)
  @DisplayName("a length shorter than the JSON after it turns the rest into garbage: err frames, then a closed socket")
  void lengthShorterThanTheJson() {
    byte[] ping = json(new JsonObject().put("type", "ping"));
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      bad.writeRaw(concat(ByteBuffer.allocate(4).putInt(5).array(), ping));
      List<JsonObject> frames = bad.framesUntilClosed();
      assertThat(frames).as("'{\"typ' is invalid JSON; 'e\":\"' read as a length is ~1.7 GB").hasSize(2);
      assertErr(frames.get(0), "invalid_json");
      assertTooLarge(frames.get(1));
    }
    bystanderStillWorks();
  }

  @Test
  @Order(11)
  @DisplayName("a length longer than the JSON swallows the next frame: err frames, then a closed socket")
  void lengthLongerThanTheJson() {
    byte[] ping = json(new JsonObject().put("type", "ping"));
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      bad.writeRaw(concat(ByteBuffer.allocate(4).putInt(ping.length + 5).array(), ping, RawBridge.frame(ping)));
      List<JsonObject> frames = bad.framesUntilClosed();
      assertThat(frames).hasSize(2);
      assertErr(frames.get(0), "invalid_json");
      assertTooLarge(frames.get(1));
    }
    bystanderStillWorks();
  }

  @Test
  @Order(12)
  @DisplayName("a length one byte over maxFrameBytes answers an err frame and closes; exactly maxFrameBytes is served")
  void lengthOverTheLimit() {
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      bad.writeRaw(ByteBuffer.allocate(4).putInt(MAX_FRAME_BYTES + 1).array());
      List<JsonObject> frames = bad.framesUntilClosed();
      assertThat(frames).hasSize(1);
      assertTooLarge(frames.get(0));
      assertThat(frames.get(0).getString("detail")).contains(Integer.toString(MAX_FRAME_BYTES + 1));
    }
    bystanderStillWorks();
    try (RawBridge big = new RawBridge(sidecar.bridgePort())) {
      big.writeRaw(RawBridge.frame(pingOfExactly(MAX_FRAME_BYTES)));
      assertThat(big.read()).isEqualTo(new JsonObject().put("type", "pong"));
      assertStillServes(big);
    }
  }

  @Test
  @Order(13)
  @DisplayName("an empty frame (length 0) answers an err frame and the socket stays usable")
  void emptyFrame() {
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      bad.writeRaw(new byte[4]);
      assertErr(bad.read(), "invalid_json");
      bystanderStillWorks();
      assertStillServes(bad);
    }
  }

  @Test
  @Order(14)
  @DisplayName("invalid JSON, invalid UTF-8 and absurdly deep nesting each answer an err frame; the socket stays usable")
  void invalidJson() {
    byte[] invalidUtf8 = concat("{\"type\":\"send\",\"address\":\"".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF}, "\"}".getBytes(StandardCharsets.US_ASCII));
    String deep = "[".repeat(200_000) + "]".repeat(200_000);
    byte[] deepInSend = ("{\"type\":\"send\",\"address\":\"connstate.get\",\"replyAddress\":\"r\",\"body\":"
        + "{\"handle\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}}").getBytes(StandardCharsets.US_ASCII);
    List<byte[]> payloads = List.of("{not json".getBytes(StandardCharsets.UTF_8),
        "{\"type\":\"ping\"} trailing".getBytes(StandardCharsets.UTF_8), invalidUtf8,
        deep.getBytes(StandardCharsets.US_ASCII), deepInSend);
    for (byte[] payload : payloads) {
      String shown = new String(payload, 0, Math.min(40, payload.length), StandardCharsets.UTF_8);
      try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
        bad.writeRaw(RawBridge.frame(payload));
        JsonObject answer = bad.read();
        assertThat(answer).as("the answer to %s", shown).isNotNull();
        assertErr(answer, "invalid_json");
        bystanderStillWorks();
        assertStillServes(bad);
      }
    }
  }

  @Test
  @Order(15)
  @DisplayName("a JSON array, number, string or null instead of an object answers an err frame; the socket stays usable")
  void jsonThatIsNotAnObject() {
    for (String payload : List.of("[{\"type\":\"ping\"}]", "42", "\"ping\"", "null")) {
      try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
        bad.writeRaw(RawBridge.frame(payload.getBytes(StandardCharsets.UTF_8)));
        assertErr(bad.read(), "invalid_frame");
        bystanderStillWorks();
        assertStillServes(bad);
      }
    }
  }

  @Test
  @Order(16)
  @DisplayName("an unknown, missing or non-string type answers an err frame; the socket stays usable")
  void unknownType() {
    List<JsonObject> frames = List.of(
        new JsonObject().put("type", "shout").put("address", Addresses.GET),
        new JsonObject().put("type", "SEND").put("address", Addresses.GET),
        new JsonObject().put("address", Addresses.GET).put("body", new JsonObject()),
        new JsonObject().put("type", 42).put("address", Addresses.GET),
        new JsonObject().put("type", "subscribe"));
    for (JsonObject frame : frames) {
      try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
        bad.write(frame);
        assertErr(bad.read(), "unknown_type");
        bystanderStillWorks();
        assertStillServes(bad);
      }
    }
  }

  @Test
  @Order(17)
  @DisplayName("a send, publish or register outside what the bridge admits answers access_denied (403) and delivers nothing")
  void accessDenied() {
    try (RawBridge bad = new RawBridge(sidecar.bridgePort());
         RawBridge observer = new RawBridge(sidecar.bridgePort())) {
      observer.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(observer.framesBeforePong()).isEmpty();
      for (String address : List.of(SECRET, "connstate.registerx", "connstate", Addresses.EVENTS,
          "__vertx.reply.1")) {
        String replyAddress = bad.send(address, new JsonObject().put("handle", 1));
        assertThat(bad.read()).as("the answer to a send to %s", address).isEqualTo(new JsonObject()
            .put("type", "err").put("message", "access_denied").put("failureCode", 403)
            .put("address", replyAddress).put("sourceAddress", address).put("failureType", "RECIPIENT_FAILURE"));
        bystanderStillWorks();
      }
      bad.write(new JsonObject().put("type", "send").put("address", SECRET).put("body", new JsonObject()));
      assertDenied(bad.read());
      for (String address : List.of(SECRET, Addresses.EVENTS)) {
        bad.write(new JsonObject().put("type", "publish").put("address", address)
            .put("body", fakeEvent(bystanderHandle)));
        assertDenied(bad.read());
        bystanderStillWorks();
      }
      for (String address : List.of(SECRET, Addresses.REGISTER, "connstate.*", "connstate.events.x")) {
        bad.write(new JsonObject().put("type", "register").put("address", address));
        assertDenied(bad.read());
        bystanderStillWorks();
      }
      assertStillServes(bad);
      assertThat(observer.framesBeforePong()).as("events after a forged publish on connstate.events").isEmpty();
      assertThat(secretsReceived).as("messages that reached " + SECRET).hasValue(0);
    }
  }

  @Test
  @Order(18)
  @DisplayName("a 10 MB length answers an err frame and closes the socket, with or without the 10 MB behind it")
  void tenMegabyteFrame() throws Exception {
    int tenMb = 10 * 1024 * 1024;
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      bad.writeRaw(ByteBuffer.allocate(4).putInt(tenMb).array());
      List<JsonObject> frames = bad.framesUntilClosed();
      assertThat(frames).hasSize(1);
      assertTooLarge(frames.get(0));
    }
    bystanderStillWorks();
    byte[] payload = pingOfExactly(tenMb);
    try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
      CompletableFuture<Boolean> written = CompletableFuture.supplyAsync(() -> bad.tryWriteRaw(RawBridge.frame(payload)));
      List<JsonObject> frames = bad.framesUntilClosed();
      assertThat(frames).as("frames before the close (the reset may swallow the err frame)")
          .allSatisfy(BridgeIT::assertTooLarge).hasSizeLessThanOrEqualTo(1);
      assertThat(written.get(20, TimeUnit.SECONDS)).as("whether all 10 MB could be written").isNotNull();
    }
    bystanderStillWorks();
  }

  @Test
  @Order(19)
  @DisplayName("a send or register without a usable address answers an err frame; the socket stays usable")
  void missingAddress() {
    List<JsonObject> frames = List.of(
        new JsonObject().put("type", "send").put("replyAddress", "r-1").put("body", new JsonObject()),
        new JsonObject().put("type", "send").put("address", "").put("replyAddress", "r-2"),
        new JsonObject().put("type", "send").put("address", 7).put("replyAddress", "r-3"),
        new JsonObject().put("type", "send").putNull("address").put("replyAddress", "r-4"),
        new JsonObject().put("type", "register"),
        new JsonObject().put("type", "publish").put("body", new JsonObject()));
    for (JsonObject frame : frames) {
      try (RawBridge bad = new RawBridge(sidecar.bridgePort())) {
        bad.write(frame);
        assertErr(bad.read(), "missing_address");
        bystanderStillWorks();
        assertStillServes(bad);
      }
    }
  }

  @Test
  @Order(20)
  @DisplayName("a client that sends half a frame and disconnects leaves no session behind")
  void halfFrameThenDisconnect() {
    // earlier tests' sockets close asynchronously: start from the settled state, the bystander alone
    awaitMeter(MetricNames.BRIDGE_CLIENTS, 1, "only the bystander is connected");
    byte[] frame = RawBridge.frame(new JsonObject().put("type", "send").put("address", Addresses.GET)
        .put("replyAddress", "r").put("body", new JsonObject().put("handle", bystanderHandle)));
    for (int cut : new int[] {2, 4, frame.length / 2, frame.length - 1}) {
      RawBridge bad = new RawBridge(sidecar.bridgePort());
      bad.writeRaw(Arrays.copyOf(frame, cut));
      bad.close();
      bystanderStillWorks();
    }
    awaitMeter(EVENT_BUS_HANDLERS, baselineHandlers, "no event-bus handler outlives its client");
    awaitMeter(MetricNames.BRIDGE_CLIENTS, 1, "the half-frame clients are no longer counted");
  }

  @Test
  @Order(21)
  @DisplayName("a frame that arrives a byte at a time, and several frames in one write, are each served")
  void fragmentedAndCoalescedFrames() {
    try (RawBridge client = new RawBridge(sidecar.bridgePort())) {
      byte[] frame = RawBridge.frame(new JsonObject().put("type", "send").put("address", Addresses.GET)
          .put("replyAddress", "one-byte-at-a-time").put("body", new JsonObject().put("handle", bystanderHandle)));
      for (byte b : frame) {
        client.writeRaw(new byte[] {b});
      }
      assertThat(fields(client.awaitReply("one-byte-at-a-time").getJsonObject("body")))
          .containsEntry("handle", bystanderHandle);
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        frames.add(RawBridge.frame(new JsonObject().put("type", "send").put("address", Addresses.GET)
            .put("replyAddress", "batch-" + i).put("body", new JsonObject().put("handle", bystanderHandle))));
      }
      frames.add(RawBridge.frame(new JsonObject().put("type", "ping")));
      client.writeRaw(concat(frames.toArray(byte[][]::new)));
      assertThat(client.awaitFrame("the pong", f -> "pong".equals(f.getString("type"))))
          .isEqualTo(new JsonObject().put("type", "pong"));
      for (int i = 0; i < 3; i++) {
        assertThat(fields(client.awaitReply("batch-" + i))).containsEntry("type", "message")
            .containsEntry("send", true);
      }
    }
  }

  // ---------------------------------------------------------------- 3. events only while registered

  @Test
  @Order(30)
  @DisplayName("delivers events only after register, once per change even if registered twice, and none after unregister")
  void eventsFollowRegistration() {
    long handle = HANDLES.incrementAndGet();
    String player = "#" + PLAYERS.incrementAndGet();
    try (RawBridge watcher = new RawBridge(sidecar.bridgePort());
         RawBridge observer = new RawBridge(sidecar.bridgePort())) {
      observer.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(observer.framesBeforePong()).isEmpty();

      Await.result(sidecar.client().register(handle, "198.51.100.7:4000", "198.51.100.7:4000", "websocket"));
      event(observer, handle, "registered", 1);
      assertThat(watcher.framesBeforePong()).as("frames for a client that never registered").isEmpty();

      watcher.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      watcher.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(watcher.framesBeforePong()).isEmpty();
      Await.result(sidecar.client().bind(handle, player));
      event(watcher, handle, "bound", 2);
      event(observer, handle, "bound", 2);
      assertThat(watcher.framesBeforePong()).as("a second copy of the bound event").isEmpty();

      watcher.write(new JsonObject().put("type", "unregister").put("address", Addresses.EVENTS));
      assertThat(watcher.framesBeforePong()).isEmpty();
      Await.result(sidecar.client().unbind(handle));
      event(observer, handle, "unbound", 3);
      assertThat(watcher.framesBeforePong()).as("events after unregister").isEmpty();

      watcher.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(watcher.framesBeforePong()).isEmpty();
      Await.result(sidecar.client().disconnect(handle, null));
      event(watcher, handle, "disconnected", 4);
      event(observer, handle, "disconnected", 4);
      awaitMeter(EVENT_BUS_HANDLERS, baselineHandlers + 2, "one registration per registered client");
    }
    awaitMeter(EVENT_BUS_HANDLERS, baselineHandlers, "the registrations end with their sockets");
  }

  // ---------------------------------------------------------------- 4. healthy afterwards

  @Test
  @Order(40)
  @DisplayName("is healthy after all that: the typed client, a fresh raw client and the bystander all work")
  void healthyAfterwards() {
    long handle = HANDLES.incrementAndGet();
    Connection registered = Await.result(sidecar.client()
        .register(handle, "192.0.2.1:23", "192.0.2.1:23", "telnet")).connection();
    assertThat(registered.version()).isEqualTo(1);
    try (RawBridge fresh = new RawBridge(sidecar.bridgePort())) {
      JsonObject got = reply(fresh, Addresses.GET, new JsonObject().put("handle", handle));
      assertThat(fields(got)).containsEntry("handle", handle).containsEntry("state", "Connected");
      JsonObject stats = reply(fresh, Addresses.STATS, new JsonObject());
      assertThat(stats).isNotEmpty();
      bystanderStillWorks();
      awaitMeter(MetricNames.BRIDGE_CLIENTS, 2, "only the bystander and the fresh client are connected");
    }
    awaitMeter(EVENT_BUS_HANDLERS, baselineHandlers, "no event-bus handler outlives its client");
    assertThat(Await.result(sidecar.client().disconnect(handle, "done"))).isTrue();
    assertThat(Await.failure(sidecar.client().get(handle)).failureCode()).isEqualTo(404);
    assertThat(secretsReceived).hasValue(0);
  }

  // ---------------------------------------------------------------- helpers

  /** A register naming {@code owner}, a sidecar that holds its lease (set here, as a running one would). */
  private static JsonObject registerBody(long handle, String owner) {
    redis.call("SET", sidecar.keys().lease(owner), "1");
    return new JsonObject().put("handle", handle).put("ipAddress", "203.0.113.5:50122")
        .put("hostname", "203.0.113.5:50122").put("connectionType", "telnet").put("owner", owner);
  }

  /** Sends a request and checks the reply frame is exactly the stock shape; returns its body. */
  private static JsonObject reply(RawBridge raw, String address, JsonObject body) {
    String replyAddress = raw.send(address, body);
    JsonObject frame = raw.awaitReply(replyAddress);
    assertThat(frame.fieldNames()).as("the reply frame to %s: %s", address, frame)
        .containsExactlyInAnyOrder("type", "address", "headers", "body", "send");
    assertThat(fields(frame)).containsEntry("type", "message").containsEntry("address", replyAddress)
        .containsEntry("headers", new JsonObject()).containsEntry("send", true);
    return frame.getJsonObject("body");
  }

  /** Waits for the change event of {@code handle} of this type, checks its frame and body shape. */
  private static JsonObject event(RawBridge raw, long handle, String type, long version) {
    JsonObject frame = raw.awaitFrame(type + " event of handle " + handle, f -> Addresses.EVENTS.equals(
        f.getString("address")) && f.getValue("body") instanceof JsonObject b && b.getLong("handle") == handle);
    assertThat(frame.fieldNames()).as("the event frame %s", frame)
        .containsExactlyInAnyOrder("type", "address", "headers", "body", "send");
    assertThat(fields(frame)).containsEntry("type", "message").containsEntry("headers", new JsonObject())
        .containsEntry("send", false);
    JsonObject body = frame.getJsonObject("body");
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("type", "handle", "version", "changes", "origin", "at");
    assertThat(fields(body)).as("the next event of handle %d", handle).containsEntry("type", type)
        .containsEntry("version", version).containsEntry("origin", "bridge-a");
    assertThat(body.getLong("at")).isPositive();
    return body;
  }

  /** A successful request on the bystander's long-lived socket. */
  private static void bystanderStillWorks() {
    JsonObject body = reply(bystander, Addresses.GET, new JsonObject().put("handle", bystanderHandle));
    assertThat(fields(body)).containsEntry("handle", bystanderHandle).containsEntry("state", "Connected");
  }

  /** The client's own socket still answers a valid request. */
  private static void assertStillServes(RawBridge raw) {
    JsonObject body = reply(raw, Addresses.GET, new JsonObject().put("handle", bystanderHandle));
    assertThat(fields(body)).containsEntry("handle", bystanderHandle);
  }

  /** The stock bridge's shape: the reason word alone as the message; our explanation in detail. */
  private static void assertErr(JsonObject frame, String reason) {
    assertThat(frame).as("an err frame for %s", reason).isNotNull();
    assertThat(fields(frame)).containsEntry("type", "err");
    assertThat(frame.getString("message")).isEqualTo(reason);
    assertThat(frame.getString("detail")).isNotBlank();
  }

  private static void assertDenied(JsonObject frame) {
    assertThat(frame).isEqualTo(new JsonObject().put("type", "err").put("message", "access_denied")
        .put("failureCode", 403));
  }

  private static void assertTooLarge(JsonObject frame) {
    assertErr(frame, "frame_too_large");
    assertThat(frame.getString("detail")).contains("exceeds the limit of " + MAX_FRAME_BYTES + " bytes");
  }

  private static JsonObject fakeEvent(long handle) {
    return new JsonObject().put("type", "disconnected").put("handle", handle).put("version", 999)
        .put("changes", new JsonObject()).put("origin", "forged").put("at", 1L);
  }

  /** A ping frame's JSON padded to exactly {@code size} bytes. */
  private static byte[] pingOfExactly(int size) {
    String head = "{\"type\":\"ping\",\"pad\":\"";
    String tail = "\"}";
    return (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] json(JsonObject object) {
    return object.encode().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteBuffer out = ByteBuffer.allocate(length);
    for (byte[] part : parts) {
      out.put(part);
    }
    return out.array();
  }

  /** The members of {@code json}, integral numbers as Long, for AssertJ's map assertions. */
  private static Map<String, Object> fields(JsonObject json) {
    Map<String, Object> out = new LinkedHashMap<>();
    json.forEach(e -> out.put(e.getKey(), e.getValue() instanceof Number n && !(n instanceof Double)
        && !(n instanceof Float) ? (Object) n.longValue() : e.getValue()));
    return out;
  }

  private static double meter(String name) {
    return sidecar.sidecar().metrics().registry().get(name).gauge().value();
  }

  /** Waits for a gauge that settles after sockets close (no event to await), then asserts its value. */
  private static void awaitMeter(String name, double expected, String why) {
    try {
      Await.until(why, Duration.ofSeconds(5), () -> meter(name) == expected);
    } catch (AssertionError notYet) {
      // reported by the assertion below, with the value it has
    }
    assertThat(meter(name)).as("%s: %s", name, why).isEqualTo(expected);
  }
}
