package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.BridgeClientOptions;
import dev.connstate.client.ConnStateClient;
import dev.connstate.client.Connection;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.client.ForbiddenException;
import dev.connstate.client.NotFoundException;
import dev.connstate.client.UnauthenticatedException;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Await;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.TestCerts;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ClientContract} over the TCP bridge: the client in this JVM, the sidecar the packaged
 * jar in its own process, with bridge clients configured, so every request of the contract is
 * token-authenticated. Then what only a remote client meets: a sidecar restart in the middle,
 * events missed meanwhile, refused tokens and roles, and TLS.
 */
class ClientBridgeIT extends ClientContract {
  private static final String TOKEN = "client-it-admin-token";
  private static final String OBSERVER_TOKEN = "client-it-observer-token";
  private static final String INSTANCE = "client-bridge";
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  static final String PREFIX = TestSidecar.newPrefix("client-bridge");
  static final int BRIDGE_PORT = RedisProcess.freePort();
  static final int HTTP_PORT = RedisProcess.freePort();
  static Vertx vertx;
  static JarProcess sidecar;
  static ConnStateClient client;
  static final AtomicInteger reconnects = new AtomicInteger();

  @BeforeAll
  static void start() {
    sidecar = startJar(environment(BRIDGE_PORT, HTTP_PORT));
    vertx = Vertx.vertx();
    client = ConnStateClient.bridge(vertx, options(BRIDGE_PORT).setToken(TOKEN).setSession(SESSION))
        .onReconnected(v -> reconnects.incrementAndGet());
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      Await.result(client.close());
    }
    if (vertx != null) {
      Await.result(vertx.close());
    }
    if (sidecar != null) {
      sidecar.close();
    }
  }

  @Override
  ConnStateClient client() {
    return client;
  }

  static BridgeClientOptions options(int port) {
    return new BridgeClientOptions().setPort(port).setReconnect(50, 1000, 0.2).setPing(1000, 3000);
  }

  /** The jar's variables: this class's Redis and prefix, an admin and an observer client. */
  static Map<String, String> environment(int bridgePort, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("CONNSTATE_REDIS_URL", redis.url());
    env.put("CONNSTATE_KEY_PREFIX", PREFIX);
    env.put("CONNSTATE_INSTANCE_ID", INSTANCE);
    env.put("CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort));
    env.put("CONNSTATE_HTTP_PORT", Integer.toString(httpPort));
    env.put("CONNSTATE_BRIDGE_CLIENTS", "it admin " + sha256(TOKEN) + ",watcher observer " + sha256(OBSERVER_TOKEN)
        + ",game-1 game-server " + sha256("a token game-1 never uses"));
    // a restart (kill, start again) takes seconds: the lease must outlive it, so nothing expires
    env.put("CONNSTATE_LEASE_TTL_MS", "60000");
    return env;
  }

  static JarProcess startJar(Map<String, String> env) {
    JarProcess jar = new JarProcess(env);
    try {
      jar.awaitLine("connstate ready", 60);
    } catch (Exception e) {
      throw new AssertionError("the sidecar did not become ready:\n" + String.join("\n", jar.output()), e);
    }
    return jar;
  }

  @Test
  @DisplayName("across a sidecar restart the client reconnects by itself, a request made meanwhile waits and is "
      + "answered, and the event handler keeps receiving: a change it missed is re-read")
  void sidecarRestart() throws Exception {
    long handle = nextHandle();
    Seen seen = new Seen(handle);
    EventSubscription events = client.events(seen::accept);
    Await.result(events.ready());
    Await.result(client.register(handle, "203.0.113.5:7", "h", "telnet"));
    seen.awaitCount(1);
    int reconnectsBefore = reconnects.get();

    assertThat(client.connected()).isTrue();
    sidecar.kill();
    sidecar.awaitExit(30);
    // a request written before the client saw the socket close has an unknown outcome (it was
    // sent); one made once it knows waits for the next connection, which is what this shows
    Await.until("the client noticed its sidecar is gone", Duration.ofSeconds(10), () -> !client.connected());
    Future<Connection> meanwhile = client.get(handle);
    // while the client is away, another sidecar sharing the Redis binds the connection
    try (TestSidecar other = TestSidecar.start(redis, PREFIX, "client-bridge-other")) {
      assertThat(Await.result(other.client().bind(handle, "#77")).version()).isEqualTo(2);
    }
    assertThat(meanwhile.isComplete()).as("a request waits for the connection").isFalse();
    sidecar = startJar(environment(BRIDGE_PORT, HTTP_PORT));

    assertThat(Await.result(meanwhile).playerRef()).isEqualTo("#77");
    Await.until("the client reconnected", Duration.ofSeconds(20), () -> reconnects.get() > reconnectsBefore);
    assertThat(client.connected()).isTrue();
    Await.result(client.updateCritical(handle, Map.of("AFTER", "restart")));
    seen.awaitCount(2);
    ConnectionEvent reread = seen.events.get(1);
    assertThat(reread.type()).as("bound@2 was sent while the client was away: %s", seen.texts())
        .isEqualTo(ConnectionEvent.REREAD);
    assertThat(reread.snapshot().playerRef()).isEqualTo("#77");
    assertThat(reread.version()).isGreaterThanOrEqualTo(2);
    Await.result(client.disconnect(handle, null));
    Await.until("the disconnect event", Duration.ofSeconds(15),
        () -> seen.events.stream().anyMatch(e -> ConnectionEvent.DISCONNECTED.equals(e.type())));
    assertThat(seen.texts()).startsWith("registered@1").endsWith("disconnected@4")
        .noneMatch(t -> t.startsWith("bound"));
    Await.result(events.unregister());
  }

  @Test
  @DisplayName("a wrong token is refused as unauthenticated, a command outside the client's role as forbidden")
  void refusedClients() {
    ConnStateClient wrong = ConnStateClient.bridge(vertx, options(BRIDGE_PORT).setToken("not the token"));
    ConnStateClient observer = ConnStateClient.bridge(vertx, options(BRIDGE_PORT).setToken(OBSERVER_TOKEN));
    try {
      assertThat(Await.failureOf(wrong.stats())).isInstanceOf(UnauthenticatedException.class);
      assertThat(Await.result(observer.stats()).containsKey("connections")).isTrue();
      Throwable forbidden = Await.failureOf(observer.register(nextHandle(), "203.0.113.5:8", "h", "telnet"));
      assertThat(forbidden).isInstanceOf(ForbiddenException.class).hasMessageContaining("observer");
    } finally {
      Await.result(wrong.close());
      Await.result(observer.close());
    }
  }

  @Test
  @DisplayName("over TLS the client verifies the sidecar's certificate and authenticates with its token or its own "
      + "certificate")
  void tls() {
    int bridgePort = RedisProcess.freePort();
    Map<String, String> env = environment(bridgePort, RedisProcess.freePort());
    env.put("CONNSTATE_INSTANCE_ID", "client-bridge-tls");
    env.put("CONNSTATE_BRIDGE_TLS_CERT_FILE", TestCerts.path(TestCerts.SERVER));
    env.put("CONNSTATE_BRIDGE_TLS_KEY_FILE", TestCerts.path(TestCerts.SERVER_KEY));
    try (JarProcess tlsSidecar = startJar(env)) {
      ConnStateClient overTls = ConnStateClient.bridge(vertx, options(bridgePort).setToken(TOKEN)
          .setTlsCaPemPath(TestCerts.path(TestCerts.CA)));
      try {
        assertThat(Await.failureOf(overTls.get(nextHandle()))).isInstanceOf(NotFoundException.class);
        assertThat(Await.result(overTls.stats()).getJsonObject("redis").getString("status")).isEqualTo("UP");
      } finally {
        Await.result(overTls.close());
      }
    }
    int mtlsPort = RedisProcess.freePort();
    env = environment(mtlsPort, RedisProcess.freePort());
    env.put("CONNSTATE_INSTANCE_ID", "client-bridge-mtls");
    env.put("CONNSTATE_BRIDGE_TLS_CERT_FILE", TestCerts.path(TestCerts.SERVER));
    env.put("CONNSTATE_BRIDGE_TLS_KEY_FILE", TestCerts.path(TestCerts.SERVER_KEY));
    env.put("CONNSTATE_BRIDGE_TLS_CLIENT_CA_FILE", TestCerts.path(TestCerts.CA));
    try (JarProcess mtlsSidecar = startJar(env)) {
      ConnStateClient certified = ConnStateClient.bridge(vertx, options(mtlsPort)
          .setTlsCaPemPath(TestCerts.path(TestCerts.CA))
          .setTlsClientCertificate(TestCerts.path("game-1.pem"), TestCerts.path("game-1-key.pem")));
      try {
        long handle = nextHandle();
        assertThat(Await.result(certified.register(handle, "203.0.113.5:9", "h", "telnet")).created()).isTrue();
        // game-1 is a game-server: disconnect is the connection server's
        assertThat(Await.failureOf(certified.disconnect(handle, null))).isInstanceOf(ForbiddenException.class);
        Await.result(client.disconnect(handle, null));
      } finally {
        Await.result(certified.close());
      }
    }
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
