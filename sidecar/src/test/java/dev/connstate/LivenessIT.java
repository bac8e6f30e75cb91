package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.Http;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.RedisReader;
import dev.connstate.testing.Scrape;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestRedisCluster;
import dev.connstate.testing.TestSentinelGroup;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DESIGN §7 with packaged sidecars ({@code java -jar target/connstate.jar}) against real Redis:
 * a dead owner's connections expire once, a paused owner is fenced and recovers, a restart
 * keeps everything, a client session's connections outlive its socket by the grace. The
 * dead-owner expiry runs on every topology; the others on a standalone Redis (fencing also in
 * Redis Cluster, where only the local fence applies: docs/consistency.md).
 */
@DisplayName("Liveness (DESIGN §7): leases, fencing, expiry and client sessions, with packaged sidecars")
class LivenessIT {
  private static final long TTL_MS = 1_000;
  private static final long REAP_MS = 500;
  /** Jar timing on a busy 2-core machine: the bound of DESIGN §7 plus this. */
  private static final long MARGIN_MS = 1_500;
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final String OWNER_EXPIRED = "owner lease expired";

  /** Where the sidecars' Redis is: how a jar reaches it, and a reader for the test. */
  enum Topology { STANDALONE, SENTINEL, CLUSTER }

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  // ------------------------------------------------------------------ dead owner

  @ParameterizedTest(name = "{0}")
  @EnumSource(Topology.class)
  @DisplayName("kill -9 of the sidecar holding 50 bound connections: each expires once, as one expired event on every "
      + "other sidecar within leaseTtlMs + reapIntervalMs; gets answer 404, byPlayer and Redis hold none of them")
  void deadOwnerExpired(Topology topology) throws Exception {
    Deployment redis = deploy(topology);
    String prefix = prefix();
    Sidecar a = redis.start(prefix, "owner-a", Map.of());
    Sidecar b = redis.start(prefix, "survivor-b", Map.of());
    Sidecar c = redis.start(prefix, "survivor-c", Map.of());
    List.of(a, b, c).forEach(Sidecar::awaitReady);
    List<Long> handles = LongStream.rangeClosed(1, 50).map(h -> 7_000 + h).boxed().toList();
    explainFailures(a, b, c);
    try (RawBridge client = a.bridge()) {
      for (long handle : handles) {
        JsonObject registered = client.request(Addresses.REGISTER, registerBody(handle));
        assertThat(registered.getString("type")).as("register %s: %s", handle, registered).isEqualTo("message");
        JsonObject bound = client.request(Addresses.BIND, new JsonObject().put("handle", handle).put("playerRef",
            player(handle)));
        assertThat(bound.getString("type")).as("bind %s: %s", handle, bound).isEqualTo("message");
      }
    }
    RedisKeys keys = new RedisKeys(prefix);
    assertThat(redis.reader().smembers(keys.owner("owner-a"))).hasSize(50);
    EventWatch onB = b.watchEvents();
    EventWatch onC = c.watchEvents();

    long killed = System.nanoTime();
    a.jar.kill();
    List<JsonObject> expiredOnB = onB.await("50 expired events on B", expired(OWNER_EXPIRED), 50,
        Duration.ofMillis(TTL_MS + REAP_MS + MARGIN_MS + 5_000));
    long lastMs = (onB.arrivalOf(expiredOnB.get(expiredOnB.size() - 1)) - killed) / 1_000_000;
    System.out.printf("%s: kill -9 of the owner; the 50th expired event reached B %d ms later (bound %d + %d ms)%n",
        topology, lastMs, TTL_MS, REAP_MS);
    assertThat(lastMs).as("ms from kill -9 to the last expired event on B")
        .isLessThanOrEqualTo(TTL_MS + REAP_MS + MARGIN_MS);
    onC.await("50 expired events on C", expired(OWNER_EXPIRED), 50, Duration.ofSeconds(5));
    // more reap rounds pass: nothing is expired twice
    Thread.sleep(2 * REAP_MS);
    for (EventWatch watch : List.of(onB, onC)) {
      List<Long> expiredHandles = watch.matching(expired(OWNER_EXPIRED)).stream().map(e -> e.getLong("handle"))
          .sorted().toList();
      assertThat(expiredHandles).as("expired events on %s, one per connection", watch.name).isEqualTo(handles);
    }
    double expiredByB = b.counter(MetricNames.CONNECTIONS_EXPIRED, "reason", MetricNames.EXPIRED_OWNER);
    double expiredByC = c.counter(MetricNames.CONNECTIONS_EXPIRED, "reason", MetricNames.EXPIRED_OWNER);
    assertThat(expiredByB + expiredByC).as("connections expired in Redis, over both survivors").isEqualTo(50);

    try (RawBridge client = b.bridge()) {
      for (long handle : handles) {
        assertThat(client.request(Addresses.GET, new JsonObject().put("handle", handle)).getInteger("failureCode"))
            .as("get %s on B", handle).isEqualTo(404);
        assertThat(client.request(Addresses.BY_PLAYER, new JsonObject().put("playerRef", player(handle)))
            .getJsonObject("body").getJsonArray("handles")).as("byPlayer of %s", player(handle)).isEmpty();
      }
    }
    RedisReader reader = redis.reader();
    for (long handle : handles) {
      assertThat(reader.hgetall(keys.connection(handle))).as("hash of %s", handle).isEmpty();
      assertThat(reader.smembers(keys.player(player(handle)))).as("player set of %s", handle).isEmpty();
    }
    assertThat(reader.smembers(keys.active())).as("active set").doesNotContainAnyElementsOf(
        handles.stream().map(String::valueOf).toList());
    assertThat(reader.smembers(keys.owner("owner-a"))).as("owner index of the dead owner").isEmpty();
    assertThat(reader.smembers(keys.owners())).as("owners").doesNotContain("owner-a");
  }

  // ------------------------------------------------------------------ fencing

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  @DisplayName("SIGSTOP past the lease, its connections expired by B, SIGCONT: no write resurrects one, the sidecar is "
      + "not ready, then takes a new epoch, reloads and serves again")
  void pausedOwnerFenced(Topology topology) throws Exception {
    Deployment redis = deploy(topology);
    String prefix = prefix();
    RedisKeys keys = new RedisKeys(prefix);
    Sidecar a = redis.start(prefix, "paused-a", Map.of("CONNSTATE_WRITE_BEHIND_DELAY_MS", "200"));
    Sidecar b = redis.start(prefix, "watcher-b", Map.of());
    List.of(a, b).forEach(Sidecar::awaitReady);
    List<Long> handles = LongStream.rangeClosed(1, 10).map(h -> 8_000 + h).boxed().toList();
    explainFailures(a, b);
    RawBridge client = a.bridge();
    resources.add(client);
    for (long handle : handles) {
      assertThat(client.request(Addresses.REGISTER, registerBody(handle)).getString("type")).isEqualTo("message");
    }
    String epochBefore = redis.reader().call("GET", keys.lease("paused-a")).toString();
    EventWatch onB = b.watchEvents();

    // write-behind updates acknowledged, not yet written (they wait writeBehindDelayMs), when it stops
    for (long handle : handles) {
      assertThat(client.request(Addresses.UPDATE, new JsonObject().put("handle", handle)
          .put("metadata", new JsonObject().put("BEFORE_PAUSE", "1"))).getJsonObject("body").getBoolean("persisted"))
          .isFalse();
    }
    a.jar.signal("STOP");
    onB.await("B expires the paused sidecar's connections", expired(OWNER_EXPIRED), handles.size(),
        Duration.ofMillis(TTL_MS + REAP_MS + MARGIN_MS + 5_000));
    // commands that wait in its socket while it is stopped: an update and a register (new writes)
    String update = client.send(Addresses.UPDATE, new JsonObject().put("handle", handles.get(0))
        .put("metadata", new JsonObject().put("DURING_PAUSE", "1")).put("critical", true));
    String register = client.send(Addresses.REGISTER, registerBody(8_100));
    a.jar.signal("CONT");

    JsonObject updated = client.awaitReply(update);
    JsonObject registered = client.awaitReply(register);
    System.out.printf("%s: after SIGCONT: critical update %s; register %s%n", topology, updated.encode(),
        registered.encode());
    assertThat(updated.getInteger("failureCode")).as("the critical update of an expired connection: %s", updated)
        .isIn(503, 404);
    Await.until("the sidecar reports not ready, then ready again with a new epoch", Duration.ofSeconds(10),
        () -> !a.leaseEpoch().equals(epochBefore) && a.healthStatus() == 200);
    assertThat(a.counter(MetricNames.LEASES_LOST, "reason", MetricNames.LEASE_LAPSED)).isEqualTo(1);
    assertThat(a.fenced()).as("changes refused for the lost lease").isGreaterThan(0);
    assertThat(a.jar.output()).anyMatch(l -> l.contains("owner lease") && l.contains("lost"))
        .anyMatch(l -> l.contains("reloaded after the lost lease"));
    // its write-behind retries land on connections that no longer exist: none comes back
    Await.until("the recovered sidecar's write-behind backlog is empty", Duration.ofSeconds(10),
        () -> Scrape.of(a.httpPort).sum(Scrape.gauge(MetricNames.PENDING_WRITES)) == 0);
    RedisReader reader = redis.reader();
    for (long handle : handles) {
      assertThat(reader.hgetall(keys.connection(handle))).as("hash of expired %s", handle).isEmpty();
      assertThat(client.request(Addresses.GET, new JsonObject().put("handle", handle)).getInteger("failureCode"))
          .as("get %s on the recovered sidecar", handle).isEqualTo(404);
    }
    // and it serves again: a new register is stored under the new epoch
    JsonObject again = client.request(Addresses.REGISTER, registerBody(8_101));
    assertThat(again.getString("type")).as("register after recovery: %s", again).isEqualTo("message");
    assertThat(reader.hgetall(keys.connection(8_101))).containsEntry("owner", "paused-a");
  }

  @Test
  @DisplayName("another process takes the instance id: Redis refuses the sidecar's changes (503), it stays not ready "
      + "while the other holds the lease, and serves again once it is free")
  void leaseTakenByAnotherProcess() throws Exception {
    Deployment redis = deploy(Topology.STANDALONE);
    String prefix = prefix();
    RedisKeys keys = new RedisKeys(prefix);
    Sidecar a = redis.start(prefix, "twin", Map.of("CONNSTATE_LEASE_TTL_MS", "3000"));
    a.awaitReady();
    RawBridge client = a.bridge();
    resources.add(client);
    assertThat(client.request(Addresses.REGISTER, registerBody(9_001)).getString("type")).isEqualTo("message");
    // what a second process with the same instanceId does at its start
    redis.reader().call("SET", keys.lease("twin"), "999", "PX", "60000");

    JsonObject refused = client.request(Addresses.BIND, new JsonObject().put("handle", 9_001)
        .put("playerRef", "#1"));
    assertThat(refused.getInteger("failureCode")).as("bind while another process holds the lease: %s", refused)
        .isEqualTo(503);
    assertThat(refused.getString("message")).contains("lost its owner lease");
    assertThat(a.counter(MetricNames.FENCED_CHANGES, "where", MetricNames.FENCED_REDIS)).isGreaterThanOrEqualTo(1);
    Await.until("not ready while the other process holds the lease", Duration.ofSeconds(5),
        () -> a.healthStatus() == 503);
    a.jar.awaitLine("is held by another process", 5);
    assertThat(redis.reader().hgetall(keys.connection(9_001))).doesNotContainKey("playerRef");

    redis.reader().call("DEL", keys.lease("twin"));
    Await.until("ready again once the lease is free", Duration.ofSeconds(5), () -> a.healthStatus() == 200);
    JsonObject bound = client.request(Addresses.BIND, new JsonObject().put("handle", 9_001).put("playerRef", "#1"));
    assertThat(bound.getString("type")).as("bind after recovery: %s", bound).isEqualTo("message");
  }

  // ------------------------------------------------------------------ restart

  @Test
  @DisplayName("a rolling restart with the same instanceId within the lease keeps every connection: nothing expires")
  void restartKeepsConnections() throws Exception {
    Deployment redis = deploy(Topology.STANDALONE);
    String prefix = prefix();
    RedisKeys keys = new RedisKeys(prefix);
    // long enough for a JVM to start again; B still reaps every REAP_MS
    Map<String, String> restartable = Map.of("CONNSTATE_LEASE_TTL_MS", "8000");
    Sidecar a = redis.start(prefix, "rolling-a", restartable);
    Sidecar b = redis.start(prefix, "rolling-b", Map.of());
    List.of(a, b).forEach(Sidecar::awaitReady);
    List<Long> handles = LongStream.rangeClosed(1, 20).map(h -> 9_100 + h).boxed().toList();
    try (RawBridge client = a.bridge()) {
      for (long handle : handles) {
        assertThat(client.request(Addresses.REGISTER, registerBody(handle)).getString("type")).isEqualTo("message");
      }
    }
    EventWatch onB = b.watchEvents();
    String epochBefore = a.leaseEpoch();
    a.jar.kill();
    Sidecar restarted = redis.start(prefix, "rolling-a", restartable, a.bridgePort, a.httpPort);
    restarted.awaitReady();
    assertThat(restarted.leaseEpoch()).as("a new epoch").isNotEqualTo(epochBefore);
    // had the lease lapsed, B would have expired them by now
    Thread.sleep(8_000 + 2 * REAP_MS - 2_000);
    assertThat(onB.matching(e -> true)).as("events on B after the restart").isEmpty();
    try (RawBridge client = restarted.bridge()) {
      for (long handle : handles) {
        assertThat(client.request(Addresses.GET, new JsonObject().put("handle", handle)).getString("type"))
            .as("get %s after the restart", handle).isEqualTo("message");
      }
    }
    assertThat(redis.reader().smembers(keys.owner("rolling-a"))).hasSize(20);
  }

  // ------------------------------------------------------------------ client sessions

  @Test
  @DisplayName("a session's 20 connections expire sessionGraceMs after its socket dropped, with reason \"session "
      + "ended\"; a session announced again within the grace keeps its 20")
  void sessionGrace() throws Exception {
    Deployment redis = deploy(Topology.STANDALONE);
    String prefix = prefix();
    long graceMs = 1_500;
    Sidecar a = redis.start(prefix, "sessions-a", Map.of("CONNSTATE_SESSION_GRACE_MS", Long.toString(graceMs)));
    a.awaitReady();
    EventWatch events = a.watchEvents();
    List<Long> dropped = LongStream.rangeClosed(1, 20).map(h -> 10_000 + h).boxed().toList();
    List<Long> resumed = LongStream.rangeClosed(1, 20).map(h -> 10_100 + h).boxed().toList();
    RawBridge first = a.bridge();
    RawBridge second = a.bridge();
    for (int i = 0; i < 20; i++) {
      assertThat(first.request(Addresses.REGISTER, registerBody(dropped.get(i)).put("session", "boot-dropped"))
          .getString("type")).isEqualTo("message");
      assertThat(second.request(Addresses.REGISTER, registerBody(resumed.get(i)).put("session", "boot-resumed"))
          .getString("type")).isEqualTo("message");
    }
    long closed = System.nanoTime();
    first.close();
    second.close();
    try (RawBridge reconnected = a.bridge()) {
      JsonObject announced = reconnected.request(Addresses.SESSION, new JsonObject().put("session", "boot-resumed"));
      assertThat(announced.getJsonObject("body")).isEqualTo(new JsonObject().put("session", "boot-resumed")
          .put("connections", 20));
      List<JsonObject> ended = events.await("20 expired events", expired("session ended"), 20,
          Duration.ofMillis(graceMs + 5_000));
      long firstMs = (events.arrivalOf(ended.get(0)) - closed) / 1_000_000;
      System.out.printf("session ended: the first expired event %d ms after the socket closed (grace %d ms)%n",
          firstMs, graceMs);
      assertThat(firstMs).as("ms from the last socket's close to the first expiry").isGreaterThanOrEqualTo(graceMs);
      assertThat(ended.stream().map(e -> e.getLong("handle")).sorted().toList()).isEqualTo(dropped);
      Thread.sleep(graceMs);
      assertThat(events.matching(expired("session ended"))).as("only the dropped session's").hasSize(20);
      for (long handle : resumed) {
        assertThat(reconnected.request(Addresses.GET, new JsonObject().put("handle", handle)).getString("type"))
            .as("get %s of the resumed session", handle).isEqualTo("message");
      }
    }
    assertThat(a.counter(MetricNames.CONNECTIONS_EXPIRED, "reason", MetricNames.EXPIRED_SESSION)).isEqualTo(20);
  }

  // ------------------------------------------------------------------ helpers

  /** When the test fails, the sidecars' logs are printed (closed after the jars, so it runs first). */
  private void explainFailures(Sidecar... sidecars) {
    resources.add(() -> {
      for (Sidecar sidecar : sidecars) {
        List<String> out = sidecar.jar.output();
        System.out.printf("---- %s: last lines of %d%n%s%n", sidecar.instanceId, out.size(),
            String.join("\n", out));
      }
    });
  }

  private static Predicate<JsonObject> expired(String reason) {
    return e -> "expired".equals(e.getString("type"))
        && reason.equals(e.getJsonObject("changes", new JsonObject()).getString("reason"));
  }

  private static String player(long handle) {
    return "#" + handle + ":1700000000000";
  }

  private static JsonObject registerBody(long handle) {
    return new JsonObject().put("handle", handle).put("ipAddress", "203.0.113.8:4000").put("hostname", "liveness.test")
        .put("connectionType", "telnet");
  }

  private static String prefix() {
    return "liveness-" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + ":";
  }

  private Deployment deploy(Topology topology) {
    Deployment deployment = switch (topology) {
      case STANDALONE -> {
        TestRedis redis = TestRedis.start();
        yield new Deployment(redis, Map.of("CONNSTATE_REDIS_URL", redis.url()), redis);
      }
      case SENTINEL -> {
        TestSentinelGroup group = TestSentinelGroup.start("liveness");
        yield new Deployment(group, Map.of("CONNSTATE_REDIS_URL", group.sentinelUrl(), "CONNSTATE_REDIS_MODE",
            "sentinel", "CONNSTATE_REDIS_MASTER_NAME", group.masterName()), group);
      }
      case CLUSTER -> {
        TestRedisCluster cluster = new TestRedisCluster();
        yield new Deployment(cluster, Map.of("CONNSTATE_REDIS_URL", cluster.url(), "CONNSTATE_REDIS_MODE", "cluster",
            "CONNSTATE_REDIS_CRITICAL_REPLICAS", "0"), cluster);
      }
    };
    resources.add(deployment.closer);
    return deployment;
  }

  /** A Redis deployment the jars use. */
  private final class Deployment {
    private final RedisReader reader;
    private final Map<String, String> env;
    private final AutoCloseable closer;

    Deployment(RedisReader reader, Map<String, String> env, AutoCloseable closer) {
      this.reader = reader;
      this.env = env;
      this.closer = closer;
    }

    RedisReader reader() {
      return reader;
    }

    Sidecar start(String prefix, String instanceId, Map<String, String> overrides) {
      return start(prefix, instanceId, overrides, RedisProcess.freePort(), RedisProcess.freePort());
    }

    Sidecar start(String prefix, String instanceId, Map<String, String> overrides, int bridgePort, int httpPort) {
      Map<String, String> all = new HashMap<>(env);
      all.putAll(Map.of("CONNSTATE_KEY_PREFIX", prefix, "CONNSTATE_INSTANCE_ID", instanceId,
          "CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort), "CONNSTATE_HTTP_PORT", Integer.toString(httpPort),
          "CONNSTATE_LEASE_TTL_MS", Long.toString(TTL_MS), "CONNSTATE_REAP_INTERVAL_MS", Long.toString(REAP_MS),
          "CONNSTATE_WRITE_BEHIND_DELAY_MS", "0"));
      all.putAll(overrides);
      JarProcess jar = new JarProcess(all);
      resources.add(jar);
      return new Sidecar(instanceId, jar, bridgePort, httpPort, new RedisKeys(prefix), reader);
    }
  }

  /** One packaged sidecar. */
  private final class Sidecar {
    final String instanceId;
    final JarProcess jar;
    final int bridgePort;
    final int httpPort;
    final RedisKeys keys;
    final RedisReader reader;

    Sidecar(String instanceId, JarProcess jar, int bridgePort, int httpPort, RedisKeys keys, RedisReader reader) {
      this.instanceId = instanceId;
      this.jar = jar;
      this.bridgePort = bridgePort;
      this.httpPort = httpPort;
      this.keys = keys;
      this.reader = reader;
    }

    void awaitReady() {
      try {
        jar.awaitLine("connstate ready", 60);
      } catch (Exception e) {
        throw new AssertionError(instanceId + " did not become ready:\n" + String.join("\n", jar.output()), e);
      }
    }

    RawBridge bridge() {
      return new RawBridge(bridgePort);
    }

    EventWatch watchEvents() {
      EventWatch watch = new EventWatch(instanceId, bridge());
      resources.add(watch);
      return watch;
    }

    int healthStatus() {
      return Http.get(httpPort, "/health").status();
    }

    String leaseEpoch() {
      return String.valueOf(reader.call("GET", keys.lease(instanceId)));
    }

    double counter(String name, String... labels) {
      return Scrape.of(httpPort).sum(Scrape.counter(name), labels);
    }

    double fenced() {
      return counter(MetricNames.FENCED_CHANGES);
    }
  }

  /**
   * The events a bridge client subscribed to {@code connstate.events} receives, each with its
   * arrival time, read by a thread of its own; a test awaits a count rather than polling Redis.
   */
  private static final class EventWatch implements AutoCloseable {
    private final String name;
    private final RawBridge raw;
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final Map<JsonObject, Long> arrivals = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Thread reader;
    private volatile boolean closing;

    EventWatch(String name, RawBridge raw) {
      this.name = name;
      this.raw = raw;
      raw.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      assertThat(raw.framesBeforePong()).as("frames before the subscription's pong").isEmpty();
      reader = new Thread(this::read, "events-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      while (!closing) {
        JsonObject frame;
        try {
          frame = raw.read();
        } catch (AssertionError | RuntimeException e) {
          // the socket timeout passed without an event: keep listening
          continue;
        }
        if (frame == null) {
          return;
        }
        if (Addresses.EVENTS.equals(frame.getString("address"))) {
          JsonObject event = frame.getJsonObject("body");
          arrivals.put(event, System.nanoTime());
          events.add(event);
        }
      }
    }

    List<JsonObject> matching(Predicate<JsonObject> wanted) {
      return events.stream().filter(wanted).collect(Collectors.toList());
    }

    List<JsonObject> await(String what, Predicate<JsonObject> wanted, int count, Duration within) {
      Await.until(what + " (" + name + ")", within, () -> matching(wanted).size() >= count);
      return matching(wanted);
    }

    long arrivalOf(JsonObject event) {
      return arrivals.get(event);
    }

    @Override
    public void close() {
      closing = true;
      raw.close();
    }
  }
}
