package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.Await;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestCerts;
import dev.connstate.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The people's commands (DESIGN §9) end to end: a packaged sidecar (its own process, real
 * Redis) with bridge clients configured, and the commands run as {@code connstate …} with a
 * token, reading its tables and JSON and their exit codes; one of them also as its own process,
 * {@code java -jar target/connstate.jar stats}.
 */
@DisplayName("connstate get, list, byplayer, stats, disconnect, watch against a running sidecar")
class PeopleCommandsIT {
  private static final String TOKEN = "people-token-1";
  /** SHA-256 of {@link #TOKEN}. */
  private static final String DIGEST = sha256(TOKEN);
  private static TestRedis redis;
  private static JarProcess sidecar;
  private static int bridgePort;
  private static java.nio.file.Path tokenFile;

  @BeforeAll
  static void start() throws Exception {
    redis = TestRedis.start();
    tokenFile = java.nio.file.Files.createTempFile("connstate-token", ".txt");
    java.nio.file.Files.writeString(tokenFile, TOKEN + "\n");
    bridgePort = RedisProcess.freePort();
    sidecar = new JarProcess(Map.of("CONNSTATE_REDIS_URL", redis.url(), "CONNSTATE_KEY_PREFIX", "people:",
        "CONNSTATE_INSTANCE_ID", "people-a", "CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort),
        "CONNSTATE_HTTP_PORT", Integer.toString(RedisProcess.freePort()),
        "CONNSTATE_BRIDGE_CLIENTS", "ops admin " + DIGEST));
    sidecar.awaitLine("connstate ready", 60);
    try (RawBridge bridge = new RawBridge(bridgePort)) {
      bridge.request(Addresses.AUTH, new JsonObject().put("token", TOKEN));
      for (long handle = 1; handle <= 3; handle++) {
        assertThat(bridge.request(Addresses.REGISTER, new JsonObject().put("handle", handle)
            .put("ipAddress", "203.0.113." + handle + ":4000").put("hostname", "h" + handle)
            .put("connectionType", "telnet")).getString("type")).isEqualTo("message");
      }
      assertThat(bridge.request(Addresses.BIND, new JsonObject().put("handle", 2).put("playerRef", "#7"))
          .getString("type")).isEqualTo("message");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    sidecar.close();
    redis.close();
    java.nio.file.Files.deleteIfExists(tokenFile);
  }

  @Test
  @DisplayName("get: every field as a table, --json the connection; exit 3 for a handle that does not exist")
  void get() {
    Run table = run("get", "2");
    assertThat(table.code).isZero();
    assertThat(table.out).containsPattern("state\\s+LoggedIn").containsPattern("playerRef\\s+#7")
        .containsPattern("owner\\s+people-a").contains("metadata.HostName");
    Run json = run("get", "2", "--json");
    assertThat(new JsonObject(json.out.strip()).getString("playerRef")).isEqualTo("#7");
    Run missing = run("get", "99");
    assertThat(missing.code).isEqualTo(3);
    assertThat(missing.err).contains("not found").contains("99");
  }

  @Test
  @DisplayName("list: a row per connection with a count, filtered by state and owner; --json a line per connection")
  void list() {
    Run all = run("list");
    assertThat(all.code).isZero();
    assertThat(all.out).contains("HANDLE").contains("3 of 3 connections");
    Run loggedIn = run("list", "--state", "LoggedIn", "--json");
    assertThat(loggedIn.out.strip().lines().map(JsonObject::new).map(c -> c.getLong("handle")))
        .containsExactly(2L);
    assertThat(run("list", "--owner", "nobody").out).contains("0 of 0 connections");
    Run bad = run("list", "--state", "Gone");
    assertThat(bad.code).as("a 400 is a refusal").isEqualTo(4);
    assertThat(bad.err).contains("state");
  }

  @Test
  @DisplayName("byplayer and stats")
  void byPlayerAndStats() {
    Run byPlayer = run("byplayer", "#7");
    assertThat(byPlayer.code).isZero();
    assertThat(byPlayer.out).containsPattern("#7\\s+2").contains("1 connections");
    Run stats = run("stats");
    assertThat(stats.out).containsPattern("connections\\s+\\d+").containsPattern("redis.status\\s+UP");
    assertThat(new JsonObject(run("stats", "--json").out.strip()).getInteger("shards")).isPositive();
  }

  @Test
  @DisplayName("watch prints a line per event; disconnect removes a connection (exit 3 the second time)")
  void watchAndDisconnect() throws Exception {
    CompletableFuture<Run> watching = CompletableFuture.supplyAsync(() -> run("watch", "--count", "1"));
    Await.until("watch is subscribed", Duration.ofSeconds(10), () -> sidecarSees("watching"));
    Run first = run("disconnect", "3", "--reason", "ghost");
    assertThat(first.code).isZero();
    assertThat(first.out).contains("disconnected 3");
    Run watched = watching.get();
    assertThat(watched.code).isZero();
    assertThat(watched.out).containsPattern("disconnected\\s+3 v\\d+\\s+people-a\\s+\\{\"reason\":\"ghost\"\\}");
    Run second = run("disconnect", "3");
    assertThat(second.code).isEqualTo(3);
    assertThat(second.out).contains("nothing to do");
  }

  @Test
  @DisplayName("refusals and absence have their exit codes: no token 4, nothing listening 5")
  void exitCodes() {
    Run noToken = runWithout("stats");
    assertThat(noToken.code).isEqualTo(4);
    assertThat(noToken.err).contains("not authenticated");
    int nothing = RedisProcess.freePort();
    Run nobody = runAt(nothing, "stats", "--timeout", "1000");
    assertThat(nobody.code).isEqualTo(5);
    assertThat(nobody.err).contains("127.0.0.1:" + nothing).contains("retry later");
  }

  @Test
  @DisplayName("over TLS: --ca trusts the sidecar's certificate (the token still required); without it, no answer")
  void tls() throws Exception {
    int tlsPort = RedisProcess.freePort();
    try (JarProcess tlsSidecar = new JarProcess(Map.of("CONNSTATE_REDIS_URL", redis.url(),
        "CONNSTATE_KEY_PREFIX", "people:", "CONNSTATE_INSTANCE_ID", "people-tls",
        "CONNSTATE_BRIDGE_PORT", Integer.toString(tlsPort), "CONNSTATE_HTTP_PORT",
        Integer.toString(RedisProcess.freePort()), "CONNSTATE_BRIDGE_CLIENTS", "ops admin " + DIGEST,
        "CONNSTATE_BRIDGE_TLS_CERT_FILE", TestCerts.path(TestCerts.SERVER),
        "CONNSTATE_BRIDGE_TLS_KEY_FILE", TestCerts.path(TestCerts.SERVER_KEY)))) {
      tlsSidecar.awaitLine("connstate ready", 60);
      Run trusted = runAt(tlsPort, "get", "2", "--ca", TestCerts.path(TestCerts.CA));
      assertThat(trusted.code).as("%s", trusted).isZero();
      assertThat(trusted.out).containsPattern("playerRef\\s+#7");
      Run plain = runAt(tlsPort, "stats", "--timeout", "1500");
      assertThat(plain.code).as("plain TCP to a TLS port: %s", plain).isEqualTo(5);
    }
  }

  @Test
  @DisplayName("as its own process: java -jar target/connstate.jar stats --json, the token from CONNSTATE_TOKEN")
  void ownProcess() throws Exception {
    try (JarProcess cli = new JarProcess(Map.of("CONNSTATE_TOKEN", TOKEN), "stats", "--json", "--port",
        Integer.toString(bridgePort))) {
      assertThat(cli.awaitExit(60)).isZero();
      assertThat(cli.output()).anyMatch(l -> l.startsWith("{") && new JsonObject(l).containsKey("connections"));
    }
  }

  private boolean sidecarSees(String what) {
    return lastWatchOut.get().contains("# " + what);
  }

  private final java.util.concurrent.atomic.AtomicReference<String> lastWatchOut =
      new java.util.concurrent.atomic.AtomicReference<>("");

  private Run run(String... args) {
    return runAt(bridgePort, args);
  }

  private Run runAt(int port, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--port", Integer.toString(port)));
    all.addAll(List.of("--token-file", tokenFile.toString()));
    return execute(all);
  }

  private Run runWithout(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--port", Integer.toString(bridgePort)));
    return execute(all);
  }

  private Run execute(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine();
    PrintWriter outWriter = new PrintWriter(out, true) {
      @Override
      public void flush() {
        super.flush();
        if (args.get(0).equals("watch")) {
          lastWatchOut.set(out.toString());
        }
      }
    };
    line.setOut(outWriter);
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  record Run(int code, String out, String err) {
  }

  private static String sha256(String text) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
