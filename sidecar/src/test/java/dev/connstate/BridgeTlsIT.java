package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.connstate.config.ConfigException;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.LogCapture;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestCerts;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The TCP bridge over TLS (DESIGN §8), spoken with the JDK's own TLS sockets and frames built by
 * hand, as a client in another language would. Two sidecars share one Redis: one with TLS alone
 * (clients authenticate with a token), one that also requires client certificates
 * ({@code bridge.tls.clientCaFile}), whose CN names the client. The certificates are the
 * test-only ones of {@code src/test/resources/tls/}.
 */
@DisplayName("The TCP bridge over TLS")
class BridgeTlsIT {
  private static final String TOKEN = "tls-test-token-4f1c9a";
  private static final String CLIENT_CERT = "game-1";
  private static final String UNKNOWN_CERT = "stranger";
  private static final AtomicLong HANDLES = new AtomicLong(97_000);

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  /** {@code bridge.tls.certFile} and {@code keyFile}: TLS, clients authenticate with a token. */
  static TestSidecar tlsOnly;
  /** Also {@code bridge.tls.clientCaFile}: every client presents a certificate naming it. */
  static TestSidecar certified;
  static LogCapture logs;
  /** Everything logged anywhere (Netty and Vert.x included) while the class runs. */
  static final ListAppender<ILoggingEvent> everything = new ListAppender<>();

  @BeforeAll
  static void start() {
    everything.start();
    root().addAppender(everything);
    logs = new LogCapture();
    JsonArray clients = new JsonArray().add("ops admin " + sha256(TOKEN))
        .add(CLIENT_CERT + " game-server " + sha256("a token game-1 never uses"));
    JsonObject tls = new JsonObject().put("certFile", TestCerts.path(TestCerts.SERVER))
        .put("keyFile", TestCerts.path(TestCerts.SERVER_KEY));
    tlsOnly = TestSidecar.start(redis, TestSidecar.newPrefix("bridge-tls"), "bridge-tls",
        new JsonObject().put("bridge", new JsonObject().put("clients", clients).put("tls", tls.copy())));
    certified = TestSidecar.start(redis, TestSidecar.newPrefix("bridge-mtls"), "bridge-mtls",
        new JsonObject().put("bridge", new JsonObject().put("clients", clients)
            .put("tls", tls.copy().put("clientCaFile", TestCerts.path(TestCerts.CA)))));
  }

  @AfterAll
  static void stop() {
    if (tlsOnly != null) {
      tlsOnly.close();
    }
    if (certified != null) {
      certified.close();
    }
    if (logs != null) {
      logs.close();
    }
    root().detachAppender(everything);
  }

  @Test
  @DisplayName("over TLS, a client without a certificate authenticates with its token and is served")
  void tokenOverTls() throws IOException {
    long handle = HANDLES.incrementAndGet();
    try (RawBridge tls = RawBridge.overTls(tlsOnly.bridgePort(), TestCerts.socketFactory(null))) {
      JsonObject refused = tls.request(Addresses.GET, new JsonObject().put("handle", handle));
      assertThat(refused.getInteger("failureCode")).as("before the token: %s", refused).isEqualTo(401);

      JsonObject auth = tls.request(Addresses.AUTH, new JsonObject().put("token", TOKEN));
      assertThat(auth.getJsonObject("body")).isEqualTo(new JsonObject().put("client", "ops").put("role", "admin"));
      JsonObject registered = tls.request(Addresses.REGISTER, registerBody(handle));
      assertThat(registered.getJsonObject("body").getLong("handle")).as("%s", registered).isEqualTo(handle);
    }
    assertThat(redis.exists(tlsOnly.keys().connection(handle))).as("stored in Redis").isTrue();
  }

  @Test
  @DisplayName("a plain TCP client gets no frame: the handshake fails, the socket is closed, counted and logged, "
      + "and the token it sent is never logged")
  void plainClientOnTlsPort() throws IOException {
    double before = closed(tlsOnly, MetricNames.CLOSED_TLS_HANDSHAKE);
    byte[] received;
    try (Socket plain = new Socket("127.0.0.1", tlsOnly.bridgePort())) {
      plain.setSoTimeout(10_000);
      JsonObject frame = new JsonObject().put("type", "send").put("address", Addresses.GET).put("replyAddress", "r1")
          .put("headers", new JsonObject().put("token", TOKEN)).put("body", new JsonObject().put("handle", 1));
      plain.getOutputStream().write(RawBridge.frame(frame));
      plain.getOutputStream().flush();
      received = readUntilClosed(plain.getInputStream());
    }
    assertThat(new String(received, StandardCharsets.ISO_8859_1)).as("what the plain client read")
        .doesNotContain("{", "type");
    Await.until("the failed handshake counted", Duration.ofSeconds(5),
        () -> closed(tlsOnly, MetricNames.CLOSED_TLS_HANDSHAKE) == before + 1);
    Await.until("the failed handshake logged", Duration.ofSeconds(5),
        () -> logs.warned("bridge client closed (tls_handshake)"));
    assertThat(logs.lines()).filteredOn(l -> l.contains("tls_handshake")).first().asString()
        .contains("the client does not speak TLS");
    assertNeverLogged(TOKEN);
  }

  @Test
  @DisplayName("with bridge.tls.clientCaFile, a certificate with CN game-1 makes the socket the client game-1 "
      + "(game-server) without a token: it may register and bind, not disconnect (403)")
  void certificateNamesTheClient() throws IOException {
    long handle = HANDLES.incrementAndGet();
    try (RawBridge tls = RawBridge.overTls(certified.bridgePort(), TestCerts.socketFactory(CLIENT_CERT))) {
      JsonObject registered = tls.request(Addresses.REGISTER, registerBody(handle));
      assertThat(registered.getString("type")).as("%s", registered).isEqualTo("message");
      JsonObject bound = tls.request(Addresses.BIND, new JsonObject().put("handle", handle)
          .put("playerRef", "#7:1700000000000"));
      assertThat(bound.getJsonObject("body").getString("state")).as("%s", bound).isEqualTo("LoggedIn");

      JsonObject disconnect = tls.request(Addresses.DISCONNECT, new JsonObject().put("handle", handle));
      assertThat(disconnect.getInteger("failureCode")).as("%s", disconnect).isEqualTo(403);
      assertThat(disconnect.getString("message")).contains("game-1", "game-server", Addresses.DISCONNECT);

      JsonObject auth = tls.request(Addresses.AUTH, new JsonObject().put("token", TOKEN));
      assertThat(auth.getJsonObject("body")).as("a token does not change who the certificate names")
          .isEqualTo(new JsonObject().put("client", CLIENT_CERT).put("role", "game-server"));
    }
    assertThat(redis.hgetall(certified.keys().connection(handle))).containsEntry("playerRef", "#7:1700000000000");
    assertThat(logs.logged("authenticated as game-1 (game-server) by its certificate")).isTrue();
  }

  @Test
  @DisplayName("a certificate whose CN names no configured client (stranger) is answered unknown_certificate and "
      + "closed, counted and logged")
  void unknownCertificateIsClosed() throws IOException {
    double before = closed(certified, MetricNames.CLOSED_UNKNOWN_CERTIFICATE);
    List<JsonObject> frames;
    try (RawBridge tls = RawBridge.overTls(certified.bridgePort(), TestCerts.socketFactory(UNKNOWN_CERT))) {
      tls.tryWriteRaw(RawBridge.frame(new JsonObject().put("type", "ping")));
      frames = tls.framesUntilClosed();
    }
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).getString("type")).isEqualTo("err");
    assertThat(frames.get(0).getString("message")).isEqualTo(MetricNames.CLOSED_UNKNOWN_CERTIFICATE);
    assertThat(frames.get(0).getString("detail")).contains("'stranger' names no configured client");
    assertThat(closed(certified, MetricNames.CLOSED_UNKNOWN_CERTIFICATE)).isEqualTo(before + 1);
    Await.until("logged", Duration.ofSeconds(5), () -> logs.warned("bridge client closed (unknown_certificate)"));
  }

  @Test
  @DisplayName("with bridge.tls.clientCaFile, a TLS client without a certificate fails the handshake and gets no frame")
  void noCertificateNoHandshake() {
    double before = closed(certified, MetricNames.CLOSED_TLS_HANDSHAKE);
    Throwable refused = catchThrowable(() -> {
      // under TLS 1.3 the client's handshake is over before the server looks at its certificate:
      // the refusal arrives with the first read
      try (RawBridge tls = RawBridge.overTls(certified.bridgePort(), TestCerts.socketFactory(null))) {
        tls.write(new JsonObject().put("type", "ping"));
        assertThat(tls.read()).as("a frame read without a certificate").isNull();
      }
    });
    assertThat(refused).as("the client's failure").isNotNull();
    assertThat(causes(refused)).as("the client's failure: %s", refused)
        .anySatisfy(c -> assertThat(c).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("certificate"));
    Await.until("the failed handshake counted", Duration.ofSeconds(5),
        () -> closed(certified, MetricNames.CLOSED_TLS_HANDSHAKE) == before + 1);
  }

  @Test
  @DisplayName("a certificate file that cannot be read stops the start, naming the key, its variable and the file")
  void unreadableCertificateStopsTheStart() {
    String missing = TestCerts.file(TestCerts.CA).resolveSibling("no-such-cert.pem").toString();
    Throwable failure = Await.failureOf(TestSidecar.begin(redis, TestSidecar.newPrefix("bridge-tls-bad"),
        "bridge-tls-bad", new JsonObject().put("bridge", new JsonObject().put("tls", new JsonObject()
            .put("certFile", missing).put("keyFile", TestCerts.path(TestCerts.SERVER_KEY))))));
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("bridge.tls.certFile")
        .hasMessageContaining("CONNSTATE_BRIDGE_TLS_CERT_FILE")
        .hasMessageContaining(missing)
        .hasMessageContaining("no such file");
  }

  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static JsonObject registerBody(long handle) {
    return new JsonObject().put("handle", handle).put("ipAddress", "203.0.113.9:4000")
        .put("hostname", "203.0.113.9:4000").put("connectionType", "telnet");
  }

  private static double closed(TestSidecar sidecar, String reason) {
    var counter = sidecar.sidecar().metrics().registry().find(MetricNames.BRIDGE_CLIENTS_CLOSED).tag("reason", reason)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  /** Every byte until the peer closes (or resets) the connection. */
  private static byte[] readUntilClosed(InputStream in) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (IOException reset) {
      // closed with unread data: a reset
    }
    return bytes.toByteArray();
  }

  private static void assertNeverLogged(String secret) {
    String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
    synchronized (everything.list) {
      for (ILoggingEvent event : everything.list) {
        String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
            : event.getThrowableProxy().getMessage());
        assertThat(line).as("a log line").doesNotContain(secret).doesNotContainIgnoringCase(hex);
      }
    }
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
