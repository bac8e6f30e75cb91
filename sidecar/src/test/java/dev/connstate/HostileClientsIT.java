package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.HandWrittenRecords;
import dev.connstate.testing.HostileSockets;
import dev.connstate.testing.Http;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.ResourceWatch;
import dev.connstate.testing.Scrape;
import dev.connstate.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attacks of issue 11, replayed against the packaged jar started as the README starts it
 * ({@code java -XX:+ExitOnOutOfMemoryError -Xmx256m -jar target/connstate.jar serve}), scaled
 * down to run in seconds. After each attack: the process is alive, a bystander client on its
 * own authenticated socket still gets a correct {@code get} within {@value #PROBE_BOUND_MS} ms,
 * the bridge's byte budgets held (its own gauges, sampled while the attack ran), the refusals
 * were counted, Redis holds what it should, and the attack added only a handful of log lines.
 * The Redis is password-protected: no output of any jar started here may contain the password.
 */
@DisplayName("Hostile bridge clients (issue 11) against the packaged jar with -Xmx256m")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileClientsIT {
  private static final String PASSWORD = "Hostile-redis-pw-7c41e9";
  private static final String PREFIX = "hostile:";
  private static final List<String> JVM = List.of("-Xmx256m");
  /** Set low so that the attacks run in seconds; every other bridge and limits key keeps its default. */
  private static final long AUTH_TIMEOUT_MS = 1_000;
  private static final int MAX_CLIENTS = 500;
  private static final long FRAME_TIMEOUT_MS = 3_000;
  /** The defaults of config/connstate.json the attacks run against. */
  private static final int MAX_FRAME_BYTES = 1 << 20;
  private static final long MAX_PENDING_FRAME_BYTES = 32L << 20;
  private static final long MAX_QUEUED_BYTES = 64L << 20;
  private static final int MAX_METADATA_KEYS = 256;
  private static final int MAX_METADATA_BYTES = 64 << 10;
  private static final int MAX_REPLY_BYTES = 1 << 20;
  private static final long PROBE_BOUND_MS = 1_000;
  /** Log lines one attack may add, besides one INFO line per socket that authenticated. */
  private static final int LOG_LINES_PER_ATTACK = 12;

  private static final long BYSTANDER_HANDLE = 500_001;
  private static final String BYSTANDER_PLAYER = "#42:1700000000000";

  /** The configured bridge clients; the tokens are test constants. */
  enum Client {
    ADMIN("ops", "admin"), GAME("game", "game-server"), CONN("conn", "connection-server"),
    OBSERVER("watcher", "observer"), BYSTANDER("bystander", "game-server");

    final String id;
    final String role;
    final String token;

    Client(String id, String role) {
      this.id = id;
      this.role = role;
      this.token = "tok-" + id + "-b6e07f9c2a";
    }

    String line() {
      return id + " " + role + " " + sha256(token);
    }
  }

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClassWithPassword(PASSWORD);
  static final List<JarProcess> jars = new ArrayList<>();
  static final ExecutorService pool = Executors.newCachedThreadPool();
  static JarProcess jar;
  static ResourceWatch watch;
  static int bridgePort;
  static int httpPort;
  static Bystander bystander;
  static int logMark;

  @BeforeAll
  static void start() throws Exception {
    jar = startJar(PREFIX, JVM);
    jar.awaitLine("connstate ready", 60);
    watch = new ResourceWatch(httpPort, jar.pid(), 100);
    bystander = new Bystander();
    bystander.register();
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
    if (bystander != null) {
      bystander.close();
    }
    if (watch != null) {
      watch.close();
    }
    jars.forEach(JarProcess::close);
  }

  @BeforeEach
  void mark() {
    if (bystander.lost && jar.alive()) {
      // a test before this one lost it: the next attack gets a fresh one, so that each fails on its own
      bystander.close();
      bystander = new Bystander();
    }
    watch.window();
    logMark = jar.lines();
  }

  // ------------------------------------------------------------------ 1. authentication and roles

  @Test
  @Order(1)
  @DisplayName("1. an unauthenticated socket gets 401 for every command aimed at another client's connection, "
      + "changes nothing, and is closed after bridge.authTimeoutMs")
  void unauthenticated() {
    Map<String, String> before = redis.hgetall(connectionKey(BYSTANDER_HANDLE));
    Scrape at = scrape();
    long opened = System.nanoTime();
    try (RawBridge stranger = new RawBridge(bridgePort)) {
      for (String address : Addresses.COMMANDS) {
        JsonObject answer = stranger.request(address, aimedAtBystander(address));
        assertThat(answer.getString("type")).as("answer to %s", address).isEqualTo("err");
        assertThat(answer.getInteger("failureCode")).as("failureCode of %s", address).isEqualTo(401);
      }
      stranger.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      List<JsonObject> registerAnswer = stranger.framesBeforePong();
      assertThat(registerAnswer).hasSize(1);
      assertThat(registerAnswer.get(0).getInteger("failureCode")).isEqualTo(401);
      List<JsonObject> last = stranger.framesUntilClosed();
      long lifetime = (System.nanoTime() - opened) / 1_000_000;
      assertThat(last).as("the frames before the sidecar closed the socket").hasSize(1);
      assertThat(last.get(0).getString("message")).isEqualTo(MetricNames.CLOSED_AUTH_TIMEOUT);
      assertThat(lifetime).as("ms from connect to close").isBetween(AUTH_TIMEOUT_MS - 50, AUTH_TIMEOUT_MS + 2_000);
    }
    Scrape after = scrape();
    assertThat(delta(at, after, rejected(MetricNames.FRAME_UNAUTHENTICATED)))
        .isGreaterThanOrEqualTo(Addresses.COMMANDS.size() + 1);
    assertThat(delta(at, after, closed(MetricNames.CLOSED_AUTH_TIMEOUT))).isGreaterThanOrEqualTo(1);
    assertThat(redis.hgetall(connectionKey(BYSTANDER_HANDLE))).as("the bystander's connection in Redis")
        .isEqualTo(before);
    afterAttack("an unauthenticated client");
  }

  @Test
  @Order(2)
  @DisplayName("1. a game-server may not disconnect, a connection-server may not bind, an observer may not update "
      + "(403); a wrong token is 401 and counted")
  void rolesAndTokens() {
    Map<String, String> before = redis.hgetall(connectionKey(BYSTANDER_HANDLE));
    Scrape at = scrape();
    try (RawBridge game = authenticated(Client.GAME); RawBridge conn = authenticated(Client.CONN);
         RawBridge observer = authenticated(Client.OBSERVER)) {
      assertForbidden(game.request(Addresses.DISCONNECT, aimedAtBystander(Addresses.DISCONNECT)), Client.GAME,
          Addresses.DISCONNECT);
      assertForbidden(conn.request(Addresses.BIND, aimedAtBystander(Addresses.BIND)), Client.CONN, Addresses.BIND);
      assertForbidden(observer.request(Addresses.UPDATE, aimedAtBystander(Addresses.UPDATE)), Client.OBSERVER,
          Addresses.UPDATE);
      JsonObject seen = observer.request(Addresses.GET, new JsonObject().put("handle", BYSTANDER_HANDLE));
      assertThat(seen.getString("type")).as("an observer may read").isEqualTo("message");
    }
    try (RawBridge liar = new RawBridge(bridgePort)) {
      JsonObject refused = liar.request(Addresses.AUTH, new JsonObject().put("token", "tok-ops-guessed"));
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(401);
      String replyAddress = "liar-header";
      liar.write(new JsonObject().put("type", "send").put("address", Addresses.GET).put("replyAddress", replyAddress)
          .put("headers", new JsonObject().put("token", Client.ADMIN.token + "x"))
          .put("body", new JsonObject().put("handle", BYSTANDER_HANDLE)));
      assertThat(liar.awaitReply(replyAddress).getInteger("failureCode")).isEqualTo(401);
    }
    Scrape after = scrape();
    assertThat(delta(at, after, rejected(MetricNames.FRAME_FORBIDDEN))).isEqualTo(3);
    assertThat(delta(at, after, Scrape.counter(MetricNames.BRIDGE_AUTHENTICATIONS), "outcome",
        MetricNames.AUTH_REFUSED)).isEqualTo(2);
    assertThat(redis.hgetall(connectionKey(BYSTANDER_HANDLE))).as("the bystander's connection in Redis")
        .isEqualTo(before);
    afterAttack("clients outside their role, and wrong tokens");
  }

  // ------------------------------------------------------------------ 2. metadata without bound

  @Test
  @Order(3)
  @DisplayName("2. critical updates of 64 × 4 KiB keys, and many updates growing one connection from several "
      + "sockets, stop at maxMetadataKeys / maxMetadataBytes (400, counted); Redis holds no more")
  void metadataGrowth() throws Exception {
    long huge = 510_001;
    long manyKeys = 510_002;
    long manyBytes = 510_003;
    Scrape at = scrape();
    try (RawBridge game = authenticated(Client.GAME)) {
      for (long handle : List.of(huge, manyKeys, manyBytes)) {
        assertThat(game.request(Addresses.REGISTER, registerBody(handle, "grow")).getString("type"))
            .isEqualTo("message");
      }
    }
    Future<int[]> hugeUpdates = pool.submit(() -> grow(huge, 1, 30, 64, 4096));
    Future<int[]> keyUpdates = pool.submit(() -> grow(manyKeys, 8, 4, 64, 16));
    Future<int[]> byteUpdates = pool.submit(() -> grow(manyBytes, 4, 4, 16, 1200));
    ProbeRun probes = probeWhile("while connections grow", hugeUpdates, keyUpdates, byteUpdates);
    int[] hugeOutcome = hugeUpdates.get();
    int[] keyOutcome = keyUpdates.get();
    int[] byteOutcome = byteUpdates.get();
    System.out.printf("attack 2: 64 × 4 KiB: %d accepted, %d refused; 64 small keys: %d accepted, %d refused; "
        + "16 × 1200 B: %d accepted, %d refused; %s%n", hugeOutcome[0], hugeOutcome[1], keyOutcome[0],
        keyOutcome[1], byteOutcome[0], byteOutcome[1], probes);

    assertThat(hugeOutcome).as("30 updates of 64 × 4 KiB: accepted, refused").containsExactly(0, 30);
    assertThat(keyOutcome[0]).as("updates of 64 keys accepted before maxMetadataKeys").isEqualTo(3);
    assertThat(byteOutcome[0]).as("updates of 16 KB accepted before maxMetadataBytes").isEqualTo(3);
    Scrape after = scrape();
    assertThat(delta(at, after, Scrape.counter(MetricNames.METADATA_LIMIT)))
        .isEqualTo(hugeOutcome[1] + keyOutcome[1] + byteOutcome[1]);
    try (RawBridge observer = authenticated(Client.OBSERVER)) {
      for (long handle : List.of(huge, manyKeys, manyBytes)) {
        Map<String, String> stored = metadataInRedis(handle);
        assertThat(stored.size()).as("meta fields of %s in Redis", handle).isLessThanOrEqualTo(MAX_METADATA_KEYS);
        assertThat(metadataBytes(stored)).as("meta bytes of %s in Redis", handle)
            .isLessThanOrEqualTo(MAX_METADATA_BYTES);
        JsonObject got = observer.request(Addresses.GET, new JsonObject().put("handle", handle));
        assertThat(got.getJsonObject("body").getJsonObject("metadata").getMap()).as("the sidecar's metadata of %s",
            handle).isEqualTo(new HashMap<>(stored));
      }
    }
    assertThat(metadataInRedis(huge)).hasSize(5);
    afterAttack("growing metadata");
    probes.assertAllAnswered();
  }

  /**
   * {@code sockets} game-server sockets, each sending {@code updates} critical updates of
   * {@code keys} new keys to {@code handle}; returns {accepted, refused}.
   */
  private static int[] grow(long handle, int sockets, int updates, int keys, int valueBytes) throws Exception {
    List<Future<int[]>> each = new ArrayList<>();
    for (int s = 0; s < sockets; s++) {
      int socket = s;
      each.add(pool.submit(() -> {
        try (RawBridge game = authenticated(Client.GAME)) {
          List<String> replies = new ArrayList<>();
          for (int u = 0; u < updates; u++) {
            JsonObject metadata = new JsonObject();
            for (int k = 0; k < keys; k++) {
              metadata.put("S" + socket + "U" + u + "K" + k, "v".repeat(valueBytes));
            }
            replies.add(game.send(Addresses.UPDATE, new JsonObject().put("handle", handle).put("metadata", metadata)
                .put("critical", true)));
          }
          int[] outcome = new int[2];
          for (String reply : replies) {
            JsonObject answer = game.awaitReply(reply);
            if ("message".equals(answer.getString("type"))) {
              outcome[0]++;
            } else {
              assertThat(answer.getInteger("failureCode")).as("%s", answer).isEqualTo(400);
              assertThat(answer.getString("message")).contains("limits.maxMetadata");
              outcome[1]++;
            }
          }
          return outcome;
        }
      }));
    }
    int[] total = new int[2];
    for (Future<int[]> f : each) {
      total[0] += f.get()[0];
      total[1] += f.get()[1];
    }
    return total;
  }

  // ------------------------------------------------------------------ 3. replies nobody reads

  static final long LARGE_HANDLE = 520_000;
  static final long LISTED_FIRST = 700_000;
  static final int LISTED = 1_000;

  @Test
  @Order(4)
  @DisplayName("3. a socket with a tiny receive buffer that sends 400 gets of a 60 KiB connection and never reads "
      + "is closed (reply_backlog); bridge memory stays bounded")
  void unreadGets() throws Exception {
    try (RawBridge admin = authenticated(Client.ADMIN)) {
      admin.request(Addresses.REGISTER, registerBody(LARGE_HANDLE, "large"));
      JsonObject metadata = new JsonObject();
      for (int k = 0; k < 15; k++) {
        metadata.put("LARGE" + k, "L".repeat(4000));
      }
      JsonObject stored = admin.request(Addresses.UPDATE, new JsonObject().put("handle", LARGE_HANDLE)
          .put("metadata", metadata).put("critical", true));
      assertThat(stored.getString("type")).as("%s", stored).isEqualTo("message");
    }
    Future<Unread> attack = pool.submit(() -> unreadRequests(1, 400, Addresses.GET,
        new JsonObject().put("handle", LARGE_HANDLE)));
    ProbeRun probes = probeWhile("while 400 large replies wait", attack);
    attack.get().assertClosed();
    afterAttack("400 unread gets");
    probes.assertAllAnswered();
  }

  @Test
  @Order(5)
  @DisplayName("3. 100 lists {\"limit\":10000} of 1,000 connections, never read, are cut at maxReplyBytes and the "
      + "socket is closed; bridge memory stays bounded")
  void unreadLists() throws Exception {
    registerListed();
    try (RawBridge observer = authenticated(Client.OBSERVER)) {
      JsonObject page = observer.request(Addresses.LIST, new JsonObject().put("limit", 10_000)
          .put("owner", "listed")).getJsonObject("body");
      int bytes = page.encode().length();
      System.out.printf("attack 3: one list page: %d connections, %d bytes, total %d%n",
          page.getJsonArray("connections").size(), bytes, page.getInteger("total"));
      assertThat(page.getInteger("total")).isEqualTo(LISTED);
      assertThat(page.getString("cursor")).as("a page ends at maxReplyBytes").isNotNull();
      assertThat(bytes).isLessThanOrEqualTo(MAX_REPLY_BYTES + 4096);
    }
    Future<Unread> attack = pool.submit(() -> unreadRequests(1, 100, Addresses.LIST,
        new JsonObject().put("limit", 10_000)));
    ProbeRun probes = probeWhile("while 100 list pages wait", attack);
    attack.get().assertClosed();
    afterAttack("100 unread lists");
    probes.assertAllAnswered();
  }

  @Test
  @Order(6)
  @DisplayName("3. ten such sockets at once (200 gets each) pass maxQueuedBytes together: the largest are closed "
      + "(reply_budget or reply_backlog) and the budget holds")
  void unreadGetsTogether() throws Exception {
    Future<Unread> attack = pool.submit(() -> unreadRequests(10, 200, Addresses.GET,
        new JsonObject().put("handle", LARGE_HANDLE)));
    ProbeRun probes = probeWhile("while ten sockets' replies wait", attack);
    attack.get().assertClosed();
    afterAttack("ten sockets of unread gets");
    probes.assertAllAnswered();
  }

  /** Registers the 1,000 connections of about 1.6 KB each that the lists return (once). */
  private static void registerListed() {
    try (RawBridge conn = authenticated(Client.CONN)) {
      if (conn.request(Addresses.GET, new JsonObject().put("handle", LISTED_FIRST)).getString("type")
          .equals("message")) {
        return;
      }
      // owned by "listed", a live sidecar as far as the lease says (DESIGN §7), so that a list can pick them
      redis.call("SET", new RedisKeys(PREFIX).lease("listed"), "1");
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < LISTED; i++) {
        replies.add(conn.send(Addresses.REGISTER, registerBody(LISTED_FIRST + i, "listed").put("owner", "listed")
            .put("metadata", new JsonObject().put("PAD1", "p".repeat(600)).put("PAD2", "q".repeat(600)))));
      }
      for (String reply : replies) {
        assertThat(conn.awaitReply(reply).getString("type")).isEqualTo("message");
      }
    }
  }

  /**
   * What became of sockets that never read: how many the sidecar counted as closed for their
   * replies (reply_backlog, reply_budget), how many it had really closed within
   * {@link #CLOSE_WITHIN}, and the reply bytes it still held for them then.
   */
  record Unread(int sockets, double backlog, double budget, int closed, double queuedBytes) {
    void assertClosed() {
      assertThat(backlog + budget).as("sockets the sidecar closed for their unread replies (reply_backlog %s, "
          + "reply_budget %s): the %d that never read, and no other client", backlog, budget, sockets)
          .isEqualTo(sockets);
      assertThat(closed).as("sockets really closed by the sidecar within %s of being counted as closed (it still "
          + "held %.0f bytes of replies for them)", CLOSE_WITHIN, queuedBytes).isEqualTo(sockets);
    }
  }

  static final Duration CLOSE_WITHIN = Duration.ofSeconds(10);

  /**
   * {@code sockets} sockets, each with a 4 KiB receive buffer, authenticate by header and send
   * {@code requests} requests in one write, then never read. Waits until the sidecar counted
   * them as closed and closed them (a write fails), at most {@link #CLOSE_WITHIN} after it counted
   * them; then closes what is left from this side.
   */
  private static Unread unreadRequests(int sockets, int requests, String address, JsonObject body) {
    Scrape at = scrape();
    List<Socket> opened = new ArrayList<>();
    try {
      for (int s = 0; s < sockets; s++) {
        Socket socket = HostileSockets.connect(bridgePort, 4096);
        opened.add(socket);
        ByteBuffer frames = ByteBuffer.allocate(requests * 512 + 512);
        for (int r = 0; r < requests; r++) {
          JsonObject frame = new JsonObject().put("type", "send").put("address", address)
              .put("replyAddress", "unread-" + s + "-" + r).put("body", body);
          if (r == 0) {
            frame.put("headers", new JsonObject().put("token", Client.OBSERVER.token));
          }
          frames.put(RawBridge.frame(frame));
        }
        socket.getOutputStream().write(frames.array(), 0, frames.position());
      }
      Await.until(sockets + " sockets counted as closed for their unread replies", Duration.ofSeconds(20), () -> {
        Scrape now = scrape();
        return delta(at, now, closed(MetricNames.CLOSED_REPLY_BACKLOG))
            + delta(at, now, closed(MetricNames.CLOSED_REPLY_BUDGET)) >= sockets;
      });
      long deadline = System.nanoTime() + CLOSE_WITHIN.toNanos();
      while (System.nanoTime() < deadline && !opened.stream().allMatch(HostileSockets::closedByPeer)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      Scrape now = scrape();
      Unread outcome = new Unread(sockets, delta(at, now, closed(MetricNames.CLOSED_REPLY_BACKLOG)),
          delta(at, now, closed(MetricNames.CLOSED_REPLY_BUDGET)),
          (int) opened.stream().filter(HostileSockets::closedByPeer).count(),
          now.sum(Scrape.gauge(MetricNames.BRIDGE_QUEUED_BYTES)));
      System.out.printf("attack 3: %d sockets × %d %s never read: %s%n", sockets, requests, address, outcome);
      return outcome;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      opened.forEach(HostileSockets::closeQuietly);
    }
  }

  // ------------------------------------------------------------------ 4. half-sent maximum frames

  @Test
  @Order(7)
  @DisplayName("4. unauthenticated sockets that keep sending a 1 MiB length and 1 MiB − 1 of it are refused at the "
      + "length (before authenticating, frames are limited to 16 KiB), hold no frame memory, and the bystander keeps "
      + "being served")
  void halfFramesUnauthenticated() throws Exception {
    Scrape at = scrape();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
    List<Future<Integer>> attackers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      attackers.add(pool.submit(() -> {
        int rounds = 0;
        while (System.nanoTime() < until) {
          HostileSockets.halfFrame(bridgePort, null, MAX_FRAME_BYTES, true);
          rounds++;
        }
        return rounds;
      }));
    }
    ProbeRun probes = probeWhile("while half frames fill the pending-frame budget", attackers.toArray(Future[]::new));
    int rounds = 0;
    for (Future<Integer> a : attackers) {
      rounds += a.get();
    }
    Scrape after = scrape();
    System.out.printf("attack 4 (unauthenticated): %d half frames of 1 MiB; closed for frame_too_large %.0f, "
            + "frame_budget %.0f, auth_timeout %.0f; %s%n", rounds,
        delta(at, after, closed(MetricNames.CLOSED_FRAME_TOO_LARGE)),
        delta(at, after, closed(MetricNames.CLOSED_FRAME_BUDGET)),
        delta(at, after, closed(MetricNames.CLOSED_AUTH_TIMEOUT)), probes);
    assertThat(delta(at, after, closed(MetricNames.CLOSED_FRAME_TOO_LARGE))).as("sockets refused at the length")
        .isGreaterThanOrEqualTo(rounds);
    assertThat(delta(at, after, closed(MetricNames.CLOSED_FRAME_BUDGET))).as("no unauthenticated frame reached the "
        + "budget").isZero();
    afterAttack("unauthenticated half frames");
    probes.assertAllAnswered();
  }

  @Test
  @Order(8)
  @DisplayName("4. authenticated sockets that send a 1 MiB length and 1 MiB − 1 of it, then wait, are closed "
      + "after frameTimeoutMs or refused by maxPendingFrameBytes, and the bystander keeps being served")
  void halfFramesAuthenticated() throws Exception {
    Scrape at = scrape();
    List<Future<Socket>> holders = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      holders.add(pool.submit(() -> HostileSockets.halfFrame(bridgePort, Client.OBSERVER.token, MAX_FRAME_BYTES,
          false)));
    }
    List<Socket> sockets = new ArrayList<>();
    for (Future<Socket> h : holders) {
      sockets.add(h.get());
    }
    // each read ends when the sidecar closes the socket, or after the socket's 15 s timeout
    Future<Long> held = pool.submit(() -> sockets.stream().filter(s -> !HostileSockets.endOfStream(s)).count());
    ProbeRun probes = probeWhile("while authenticated half frames are held", held);
    long stillHeld = held.get();
    sockets.forEach(HostileSockets::closeQuietly);
    Scrape after = scrape();
    double timedOut = delta(at, after, closed(MetricNames.CLOSED_FRAME_TIMEOUT));
    double refused = delta(at, after, closed(MetricNames.CLOSED_FRAME_BUDGET));
    System.out.printf("attack 4 (authenticated): closed for frame_timeout %.0f, frame_budget %.0f; %s%n", timedOut,
        refused, probes);
    assertThat(timedOut + refused).as("every half frame ended by the sidecar").isGreaterThanOrEqualTo(40);
    assertThat(timedOut).as("at most what the budget holds waited for its timeout")
        .isLessThanOrEqualTo(MAX_PENDING_FRAME_BYTES / MAX_FRAME_BYTES);
    assertThat(stillHeld).as("half frames the sidecar still held after 15 s").isZero();
    afterAttack("authenticated half frames");
    probes.assertAllAnswered();
  }

  // ------------------------------------------------------------------ 5. out of memory

  @Test
  @Order(9)
  @DisplayName("5. with -Xmx48m, a jar that cannot hold a legitimate data set (1,000 connections of 60 KiB) exits "
      + "with status 3 instead of hanging, while the same heap serves a small one")
  void outOfMemoryExits() throws Exception {
    String small = "hostile-small:";
    String large = "hostile-large:";
    HandWrittenRecords.write(redis, small, 1, 10, 15, 4000);
    HandWrittenRecords.write(redis, large, 1, 1_000, 15, 4000);
    try (JarProcess control = startJar(small, List.of("-Xmx48m"));
         JarProcess starved = startJar(large, List.of("-Xmx48m"))) {
      control.awaitLine("connstate ready", 60);
      int exit = starved.awaitExit(60);
      System.out.printf("attack 5: the 48 MiB jar with 60 MB of connections exited with %d; last line: %s%n", exit,
          starved.output().get(starved.output().size() - 1));
      assertThat(exit).as("exit status (ExitOnOutOfMemoryError and connstate's own halt both use 3)").isEqualTo(3);
      assertThat(starved.output()).anyMatch(l -> l.contains("OutOfMemoryError"));
      assertThat(starved.output()).noneMatch(l -> l.contains("connstate ready"));
      assertThat(control.alive()).as("the same heap holds the small data set").isTrue();
      control.terminate();
      control.awaitExit(30);
      assertThat(control.output()).anyMatch(l -> l.contains("connstate stopped"));
    }
    afterAttack("the out-of-memory jars beside it");
  }

  // ------------------------------------------------------------------ 6. log flooding

  @Test
  @Order(10)
  @DisplayName("6. 4,000 bad frames from one socket are each answered with an err frame and add a handful of log lines")
  void logFlood() {
    Scrape at = scrape();
    int each = 1_000;
    ByteBuffer flood = ByteBuffer.allocate(each * 256);
    byte[] invalid = "{\"type\":\"send\",".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < each; i++) {
      flood.putInt(0);
      flood.put(RawBridge.frame(invalid));
      flood.put(RawBridge.frame(new JsonObject().put("type", "subscribe")));
      flood.put(RawBridge.frame(new JsonObject().put("type", "send").put("address", Addresses.GET)
          .put("replyAddress", "flood-" + i).put("body", new JsonObject().put("handle", BYSTANDER_HANDLE))));
    }
    List<JsonObject> answers;
    try (RawBridge flooder = new RawBridge(bridgePort)) {
      flooder.writeRaw(Arrays.copyOf(flood.array(), flood.position()));
      answers = flooder.framesUntilClosed();
    }
    Map<String, Long> byMessage = answers.stream().collect(Collectors.groupingBy(
        f -> f.containsKey("address") ? "failed request " + f.getInteger("failureCode") : f.getString("message"),
        Collectors.counting()));
    System.out.println("attack 6: answers " + byMessage);
    assertThat(byMessage).containsEntry(MetricNames.FRAME_INVALID_JSON, 2L * each)
        .containsEntry(MetricNames.FRAME_UNKNOWN_TYPE, (long) each).containsEntry("failed request 401", (long) each)
        .containsEntry(MetricNames.CLOSED_AUTH_TIMEOUT, 1L);
    Scrape after = scrape();
    assertThat(delta(at, after, rejected(MetricNames.FRAME_INVALID_JSON))).isEqualTo(2 * each);
    assertThat(delta(at, after, rejected(MetricNames.FRAME_UNKNOWN_TYPE))).isEqualTo(each);
    assertThat(delta(at, after, rejected(MetricNames.FRAME_UNAUTHENTICATED))).isEqualTo(each);
    afterAttack("4,000 bad frames");
    assertThat(jar.lines() - logMark).as("log lines for 4,000 bad frames").isLessThanOrEqualTo(6);
  }

  // ------------------------------------------------------------------ 7. file descriptors

  @Test
  @Order(11)
  @DisplayName("7. 2,000 idle sockets: at most maxClients (500) are admitted, the rest refused, the idle ones "
      + "closed after authTimeoutMs; every file descriptor is given back and new clients get in afterwards")
  void idleSockets() throws Exception {
    Scrape at = scrape();
    long filesBefore = watch.openFiles();
    double clientsBefore = at.sum(Scrape.gauge(MetricNames.BRIDGE_CLIENTS));
    int count = 2_000;
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", bridgePort), 5_000);
        idle.add(socket);
      }
      long filesDuring = watch.openFiles();
      bystander.probe("with 2,000 idle sockets open");
      Await.until("every idle socket was closed by the sidecar", Duration.ofSeconds(20), () -> {
        Scrape now = scrape();
        return delta(at, now, closed(MetricNames.CLOSED_TOO_MANY_CLIENTS))
            + delta(at, now, closed(MetricNames.CLOSED_AUTH_TIMEOUT)) >= count;
      });
      Scrape after = scrape();
      double refused = delta(at, after, closed(MetricNames.CLOSED_TOO_MANY_CLIENTS));
      double timedOut = delta(at, after, closed(MetricNames.CLOSED_AUTH_TIMEOUT));
      ResourceWatch.Peaks peaks = watch.window();
      System.out.printf("attack 7: %d idle sockets: refused %.0f (too_many_clients), closed idle %.0f "
              + "(auth_timeout); sidecar open files %d before, %d right after, peak %d; bridge clients peak %.0f%n",
          count, refused, timedOut, filesBefore, filesDuring, peaks.openFiles(), peaks.bridgeClients());
      assertThat(refused + timedOut).as("idle sockets the sidecar closed").isEqualTo(count);
      assertThat(peaks.bridgeClients()).as("bridge clients at the peak").isLessThanOrEqualTo(MAX_CLIENTS);
      // refused sockets are closed once accepted: a burst of connects is held for a moment whatever maxClients is
      Await.until("the sidecar's open files are back to " + filesBefore, Duration.ofSeconds(10),
          () -> watch.openFiles() <= filesBefore + 5);
      Await.until("the bridge is back to its clients before", Duration.ofSeconds(10),
          () -> scrape().sum(Scrape.gauge(MetricNames.BRIDGE_CLIENTS)) <= clientsBefore);
      try (RawBridge newcomer = authenticated(Client.OBSERVER)) {
        assertThat(newcomer.request(Addresses.GET, new JsonObject().put("handle", BYSTANDER_HANDLE))
            .getString("type")).isEqualTo("message");
      }
    } finally {
      idle.forEach(HostileSockets::closeQuietly);
    }
    afterAttack("2,000 idle sockets");
  }

  // ------------------------------------------------------------------ 9. lone surrogates, and compatibility

  @Test
  @Order(12)
  @DisplayName("9. a lone UTF-16 surrogate in a metadata key or value or a register field is 400 and nothing is "
      + "stored")
  void loneSurrogates() {
    long bad = 530_001;
    Map<String, String> before = redis.hgetall(connectionKey(BYSTANDER_HANDLE));
    try (RawBridge game = authenticated(Client.GAME)) {
      List<String> bodies = List.of(
          "{\"handle\":" + BYSTANDER_HANDLE + ",\"metadata\":{\"\\ud800\":\"x\"},\"critical\":true}",
          "{\"handle\":" + BYSTANDER_HANDLE + ",\"metadata\":{\"K\\udfff\":\"x\"}}",
          "{\"handle\":" + BYSTANDER_HANDLE + ",\"metadata\":{\"SURROGATE\":\"a\\udc00b\"},\"critical\":true}");
      for (String body : bodies) {
        assertThat(rawRequest(game, Addresses.UPDATE, body).getInteger("failureCode")).as(body).isEqualTo(400);
      }
      String register = "{\"handle\":" + bad + ",\"ipAddress\":\"203.0.113.1:1\",\"hostname\":\"h\\ud83d\","
          + "\"connectionType\":\"telnet\"}";
      assertThat(rawRequest(game, Addresses.REGISTER, register).getInteger("failureCode")).isEqualTo(400);
    }
    assertThat(redis.hgetall(connectionKey(BYSTANDER_HANDLE))).as("the connection in Redis").isEqualTo(before);
    assertThat(redis.exists(connectionKey(bad))).isFalse();
    assertThat(redis.smembers(PREFIX + "conn:active")).doesNotContain(Long.toString(bad));
    afterAttack("lone surrogates");
  }

  @Test
  @Order(13)
  @DisplayName("compatibility: Gson doubles (3.0) and C integers (3000000000.000000) are integers, missing_address "
      + "is the stock message, and a send with replyAddress \"\" is answered")
  void compatibility() {
    try (RawBridge game = authenticated(Client.GAME)) {
      JsonObject registered = rawRequest(game, Addresses.REGISTER, "{\"handle\":3000000000.000000,"
          + "\"ipAddress\":\"203.0.113.2:2\",\"hostname\":\"c-client\",\"connectionType\":\"telnet\"}");
      assertThat(registered.getJsonObject("body").getValue("handle")).isEqualTo(3_000_000_000L);
      JsonObject got = rawRequest(game, Addresses.GET, "{\"handle\":3000000000.0}");
      assertThat(got.getJsonObject("body").getString("hostname")).isEqualTo("c-client");
      JsonObject gson = rawRequest(game, Addresses.GET, "{\"handle\":" + BYSTANDER_HANDLE + ".0}");
      assertThat(gson.getJsonObject("body").getString("playerRef")).isEqualTo(BYSTANDER_PLAYER);
      JsonObject fraction = rawRequest(game, Addresses.GET, "{\"handle\":" + BYSTANDER_HANDLE + ".5}");
      assertThat(fraction.getInteger("failureCode")).isEqualTo(400);

      game.write(new JsonObject().put("type", "send").put("body", new JsonObject()));
      List<JsonObject> missing = game.framesBeforePong();
      assertThat(missing).hasSize(1);
      assertThat(missing.get(0).getString("type")).isEqualTo("err");
      assertThat(missing.get(0).getString("message")).isEqualTo("missing_address");

      game.write(new JsonObject().put("type", "send").put("address", Addresses.GET).put("replyAddress", "")
          .put("body", new JsonObject().put("handle", BYSTANDER_HANDLE)));
      JsonObject empty = game.awaitReply("");
      assertThat(empty.getString("type")).isEqualTo("message");
      assertThat(empty.getJsonObject("body").getLong("handle")).isEqualTo(BYSTANDER_HANDLE);
    }
    afterAttack("compatibility checks");
  }

  // ------------------------------------------------------------------ 8. the Redis password

  @Test
  @Order(14)
  @DisplayName("8. no jar's output, /health or /metrics contains the Redis password, not even one that fails "
      + "to authenticate")
  void passwordNeverShown() throws Exception {
    String wrong = "Wrong-redis-pw-19d3aa";
    try (JarProcess refused = startJar("hostile-wrongpw:", JVM,
        Map.of("CONNSTATE_REDIS_URL", "redis://default:" + wrong + "@127.0.0.1:" + redis.port()))) {
      refused.awaitLine("cannot connect to Redis", 30);
      assertThat(refused.output()).noneMatch(l -> l.contains(wrong));
    }
    assertThat(Http.get(httpPort, "/health").body()).doesNotContain(PASSWORD);
    assertThat(Http.get(httpPort, "/metrics").body()).doesNotContain(PASSWORD);
    for (JarProcess each : jars) {
      assertThat(each.output()).as("output of a jar").noneMatch(l -> l.contains(PASSWORD));
    }
    assertThat(jars.get(0).output()).anyMatch(l -> l.contains("redis://:***@127.0.0.1:" + redis.port()));
  }

  // ------------------------------------------------------------------ 2. restart with oversized records

  @Test
  @Order(15)
  @DisplayName("2. oversized records written by hand (50,000 fields; 32 MB of values; 300 keys) do not stop a "
      + "restart with -Xmx256m: each is reported and the sidecar serves")
  void restartWithOversizedRecords() throws Exception {
    long manyFields = 540_001;
    long hugeValues = 540_002;
    long pastLimits = 540_003;
    HandWrittenRecords.write(redis, PREFIX, manyFields, 1, 50_000, 20);
    HandWrittenRecords.write(redis, PREFIX, hugeValues, 1, 8, 4 << 20);
    HandWrittenRecords.write(redis, PREFIX, pastLimits, 1, 300, 10);
    System.out.printf("attack 2 (restart): Redis holds %s%n", redis.call("INFO", "memory").toString().lines()
        .filter(l -> l.startsWith("used_memory_human")).findFirst().orElse("?"));
    bystander.close();
    watch.close();
    jar.terminate();
    jar.awaitExit(30);
    assertThat(jar.output()).as("the first jar stops cleanly").anyMatch(l -> l.contains("connstate stopped"));

    long started = System.nanoTime();
    jar = startJar(PREFIX, JVM);
    jar.awaitLine("connstate ready", 60);
    long ms = (System.nanoTime() - started) / 1_000_000;
    watch = new ResourceWatch(httpPort, jar.pid(), 100);
    assertThat(jar.lines()).as("lines logged by the start:%n%s", tail(jar.output(), 40)).isLessThanOrEqualTo(20);
    logMark = jar.lines();
    Scrape scrape = scrape();
    System.out.printf("attack 2 (restart): ready in %d ms; oversized records %.0f; heap %.0f MiB; %s%n", ms,
        scrape.sum(Scrape.counter(MetricNames.OVERSIZED_RECORDS)),
        scrape.sum("jvm_memory_used_bytes", "area", "heap") / (1 << 20),
        jar.output().stream().filter(l -> l.contains("past the metadata limits")).toList());
    assertThat(scrape.sum(Scrape.counter(MetricNames.OVERSIZED_RECORDS))).isEqualTo(3);
    assertThat(jar.output()).anyMatch(l -> l.contains("past the metadata limits")
        && (l.contains("handle " + manyFields) || l.contains("handle " + hugeValues)
        || l.contains("handle " + pastLimits)));
    assertThat(redis.call("HLEN", connectionKey(manyFields)).toInteger()).as("left as it was")
        .isEqualTo(HandWrittenRecords.FIXED_FIELDS + 50_000);
    bystander = new Bystander();
    try (RawBridge observer = authenticated(Client.OBSERVER)) {
      for (long handle : List.of(manyFields, hugeValues, pastLimits)) {
        JsonObject got = observer.request(Addresses.GET, new JsonObject().put("handle", handle));
        assertThat(got.getString("type")).as("get %s: %s", handle, got.encode().length() > 300
            ? got.encode().substring(0, 300) : got.encode()).isEqualTo("message");
      }
    }
    afterAttack("a restart over oversized records");
    for (JarProcess each : jars) {
      assertThat(each.output()).as("output of a jar").noneMatch(l -> l.contains(PASSWORD));
    }
  }

  // ------------------------------------------------------------------ the checks after every attack

  /**
   * The process is alive, the bystander gets a correct answer in time, the bridge gave back
   * every byte it held for the attackers and its peaks stayed within its budgets, and the attack
   * added only a handful of log lines.
   */
  private static void afterAttack(String attack) {
    assertThat(jar.alive()).as("the sidecar is alive after %s; its output ends:%n%s", attack,
        tail(jar.output(), 20)).isTrue();
    if (bystander.lost) {
      // the attack closed it (a failure already recorded): after the attack, a new client must be served
      bystander.close();
      bystander = new Bystander();
    }
    bystander.probe("after " + attack);
    Await.until("the bridge gave back the bytes it held during " + attack, Duration.ofSeconds(10), () -> {
      Scrape now = scrape();
      return now.sum(Scrape.gauge(MetricNames.BRIDGE_QUEUED_BYTES)) == 0
          && now.sum(Scrape.gauge(MetricNames.BRIDGE_PENDING_FRAME_BYTES)) == 0;
    });
    ResourceWatch.Peaks peaks = watch.window();
    List<String> lines = jar.output().subList(Math.min(logMark, jar.lines()), jar.lines()).stream()
        .filter(l -> !l.contains("authenticated as")).toList();
    System.out.printf("after %s: %s; %d log lines:%n%s%n", attack, peaks, lines.size(), tail(lines, 20));
    assertThat(peaks.queuedBytes()).as("peak bridge_queued_bytes during %s", attack)
        .isLessThanOrEqualTo(MAX_QUEUED_BYTES + MAX_REPLY_BYTES);
    assertThat(peaks.pendingFrameBytes()).as("peak bridge_pending_frame_bytes during %s", attack)
        .isLessThanOrEqualTo(MAX_PENDING_FRAME_BYTES);
    assertThat(lines).as("log lines added by %s", attack).hasSizeLessThanOrEqualTo(LOG_LINES_PER_ATTACK);
  }

  /** The bystander's gets while {@code attacks} run: how many, the slowest, and the first failure. */
  record ProbeRun(String during, int probes, long slowestMs, AssertionError failure) {
    void assertAllAnswered() {
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public String toString() {
      return String.format("bystander %s: %d gets, slowest %d ms%s", during, probes, slowestMs,
          failure == null ? "" : ", FAILED: " + failure.getMessage());
    }
  }

  private static ProbeRun probeWhile(String during, Future<?>... attacks) {
    int probes = 0;
    long slowest = 0;
    AssertionError failure = null;
    do {
      try {
        slowest = Math.max(slowest, bystander.probe(during));
        probes++;
      } catch (AssertionError e) {
        failure = e;
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    } while (!Arrays.stream(attacks).allMatch(Future::isDone));
    ProbeRun run = new ProbeRun(during, probes, slowest, failure);
    System.out.println(run);
    return run;
  }

  /** An authenticated client on its own socket, registered and bound, that must keep getting correct answers. */
  static final class Bystander implements AutoCloseable {
    final RawBridge raw = authenticated(Client.BYSTANDER);
    boolean lost;

    void register() {
      assertThat(raw.request(Addresses.REGISTER, registerBody(BYSTANDER_HANDLE, "bystander")).getString("type"))
          .isEqualTo("message");
      assertThat(raw.request(Addresses.BIND, new JsonObject().put("handle", BYSTANDER_HANDLE)
          .put("playerRef", BYSTANDER_PLAYER)).getString("type")).isEqualTo("message");
      assertThat(raw.request(Addresses.UPDATE, new JsonObject().put("handle", BYSTANDER_HANDLE).put("critical", true)
          .put("metadata", new JsonObject().put("PROBE", "still-here"))).getString("type")).isEqualTo("message");
    }

    /** One get of its connection: correct, and within the bound; returns the ms it took. */
    long probe(String during) {
      long start = System.nanoTime();
      JsonObject reply;
      try {
        reply = raw.request(Addresses.GET, new JsonObject().put("handle", BYSTANDER_HANDLE));
      } catch (AssertionError | RuntimeException e) {
        lost = true;
        String last = e.getMessage() != null && e.getMessage().contains("closed") ? " Its last frames: "
            + raw.framesUntilClosed() : "";
        throw new AssertionError("the bystander's get " + during + " was not answered: " + e.getMessage() + "."
            + last, e);
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(reply.getString("type")).as("the bystander's get %s: %s", during, reply).isEqualTo("message");
      JsonObject body = reply.getJsonObject("body");
      assertThat(body.getLong("handle")).isEqualTo(BYSTANDER_HANDLE);
      assertThat(body.getString("state")).isEqualTo("LoggedIn");
      assertThat(body.getString("playerRef")).isEqualTo(BYSTANDER_PLAYER);
      assertThat(body.getJsonObject("metadata").getString("PROBE")).isEqualTo("still-here");
      if (ms > PROBE_BOUND_MS) {
        lost = true;
        throw new AssertionError("the bystander's get " + during + " took " + ms + " ms, more than "
            + PROBE_BOUND_MS);
      }
      return ms;
    }

    @Override
    public void close() {
      raw.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static JarProcess startJar(String prefix, List<String> jvm) {
    return startJar(prefix, jvm, Map.of());
  }

  /** The jar against the password-protected Redis, on fresh ports; the main one sets bridgePort and httpPort. */
  private static JarProcess startJar(String prefix, List<String> jvm, Map<String, String> overrides) {
    int bridge = RedisProcess.freePort();
    int http = RedisProcess.freePort();
    Map<String, String> env = new HashMap<>(Map.of(
        "CONNSTATE_REDIS_URL", redis.url(),
        "CONNSTATE_KEY_PREFIX", prefix,
        "CONNSTATE_INSTANCE_ID", "hostile",
        "CONNSTATE_BRIDGE_PORT", Integer.toString(bridge),
        "CONNSTATE_HTTP_PORT", Integer.toString(http),
        "CONNSTATE_BRIDGE_CLIENTS", Arrays.stream(Client.values()).map(Client::line).collect(Collectors.joining(",")),
        "CONNSTATE_BRIDGE_AUTH_TIMEOUT_MS", Long.toString(AUTH_TIMEOUT_MS),
        "CONNSTATE_BRIDGE_MAX_CLIENTS", Integer.toString(MAX_CLIENTS),
        "CONNSTATE_BRIDGE_FRAME_TIMEOUT_MS", Long.toString(FRAME_TIMEOUT_MS)));
    env.putAll(overrides);
    if (prefix.equals(PREFIX)) {
      bridgePort = bridge;
      httpPort = http;
    }
    JarProcess started = new JarProcess(env, jvm);
    jars.add(started);
    return started;
  }

  static RawBridge authenticated(Client client) {
    RawBridge raw = new RawBridge(bridgePort);
    JsonObject answer = raw.request(Addresses.AUTH, new JsonObject().put("token", client.token));
    assertThat(answer.getJsonObject("body")).as("auth of %s: %s", client, answer)
        .isEqualTo(new JsonObject().put("client", client.id).put("role", client.role));
    return raw;
  }

  /** A request whose body is sent exactly as written (escapes and number notation the client chose). */
  private static JsonObject rawRequest(RawBridge raw, String address, String body) {
    String replyAddress = "raw-" + RAW_IDS.incrementAndGet();
    String frame = "{\"type\":\"send\",\"address\":\"" + address + "\",\"replyAddress\":\"" + replyAddress
        + "\",\"body\":" + body + "}";
    raw.writeRaw(RawBridge.frame(frame.getBytes(StandardCharsets.UTF_8)));
    return raw.awaitReply(replyAddress);
  }

  private static final AtomicInteger RAW_IDS = new AtomicInteger();

  static JsonObject registerBody(long handle, String label) {
    // no owner: the jar owns them (an owner no sidecar leases would be refused, DESIGN §7)
    return new JsonObject().put("handle", handle).put("ipAddress", "203.0.113.7:4000")
        .put("hostname", label + ".hostile.test").put("connectionType", "telnet");
  }

  /** A body for {@code address} that would change or read the bystander's connection. */
  private static JsonObject aimedAtBystander(String address) {
    JsonObject handle = new JsonObject().put("handle", BYSTANDER_HANDLE);
    return switch (address) {
      case Addresses.REGISTER -> registerBody(BYSTANDER_HANDLE, "thief");
      case Addresses.BIND -> handle.put("playerRef", "#666");
      case Addresses.UPDATE -> handle.put("metadata", new JsonObject().put("PROBE", "pwned")).put("critical", true);
      case Addresses.DISCONNECT -> handle.put("reason", "pwned");
      case Addresses.LIST, Addresses.STATS -> new JsonObject();
      case Addresses.BY_PLAYER -> new JsonObject().put("playerRef", BYSTANDER_PLAYER);
      default -> handle;
    };
  }

  private static void assertForbidden(JsonObject answer, Client client, String address) {
    assertThat(answer.getString("type")).as("%s", answer).isEqualTo("err");
    assertThat(answer.getInteger("failureCode")).as("%s", answer).isEqualTo(403);
    assertThat(answer.getString("message")).contains(client.role).contains(address);
  }

  private static String connectionKey(long handle) {
    return PREFIX + "conn:{" + handle + "}";
  }

  private static Map<String, String> metadataInRedis(long handle) {
    Map<String, String> metadata = new HashMap<>();
    redis.hgetall(connectionKey(handle)).forEach((field, value) -> {
      if (field.startsWith("meta:")) {
        metadata.put(field.substring("meta:".length()), value);
      }
    });
    return metadata;
  }

  private static long metadataBytes(Map<String, String> metadata) {
    return metadata.entrySet().stream().mapToLong(e -> e.getKey().getBytes(StandardCharsets.UTF_8).length
        + e.getValue().getBytes(StandardCharsets.UTF_8).length).sum();
  }

  private static Scrape scrape() {
    return Scrape.of(httpPort);
  }

  private static String rejected(String reason) {
    return Scrape.counter(MetricNames.BRIDGE_FRAMES_REJECTED) + "|" + reason;
  }

  private static String closed(String reason) {
    return Scrape.counter(MetricNames.BRIDGE_CLIENTS_CLOSED) + "|" + reason;
  }

  /** How much a counter grew between two scrapes; {@code series} is a name, or {@code name|reason}. */
  private static double delta(Scrape before, Scrape after, String series, String... labels) {
    String[] parts = series.split("\\|");
    String[] all = parts.length == 2 ? new String[] {"reason", parts[1]} : labels;
    return after.sum(parts[0], all) - before.sum(parts[0], all);
  }



  private static String tail(List<String> lines, int n) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
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
