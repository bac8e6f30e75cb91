package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.BridgeClientOptions;
import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.AcknowledgedLoad;
import dev.connstate.testing.Await;
import dev.connstate.testing.FaultProxy;
import dev.connstate.testing.Http;
import dev.connstate.testing.JarProcess;
import dev.connstate.testing.SubscriberCopies;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomized faults in the spirit of Jepsen (issue 14): one durable Redis (AOF, fsync always),
 * two sidecars, each reaching Redis through a {@link FaultProxy}; critical commands from four
 * threads ({@link AcknowledgedLoad}) and write-behind updates from a fifth, recording what was
 * acknowledged; a nemesis that, every 2 to 5 s, kills Redis with SIGKILL and restarts it, resets
 * or cuts one sidecar's connections, or pauses Redis with {@code CLIENT PAUSE}; with packaged
 * sidecars ({@link #packagedFaults}) also stops one with SIGSTOP (and SIGCONT after up to 2 s) or
 * kills it with SIGKILL and starts it again with the same instance id and ports. After the faults
 * heal, a checker fails on an acknowledged critical change missing from Redis, an index set
 * disagreeing with the hashes, an acknowledged write-behind value lost (unless its sidecar was
 * killed after acknowledging it: write-behind is acknowledged before it is stored), a sidecar's
 * {@code get} differing from Redis, and per sidecar an event version that did not increase or a
 * change a subscriber keeping a copy by protocol §8.3 never learned of (a bridge subscriber whose
 * socket dropped resynchronises with {@code list} first, as §8.4 says).
 *
 * <p>Seeds: {@link #SEEDS} and {@link #PACKAGED_SEEDS} (every seed that ever failed stays there),
 * plus any seeds given as {@code -Dconnstate.faults.seed=N} (or {@code N,M,...}), run by both.
 */
@DisplayName("Randomized faults: nothing acknowledged is lost, and every subscriber sees every change")
class RandomFaultsIT {
  /** The fixed seeds CI runs; a seed that ever failed is added here for good. */
  static final List<Long> SEEDS = List.of(20261129L, 99L, 1L);
  /** The fixed seeds CI runs with packaged sidecars. */
  static final List<Long> PACKAGED_SEEDS = List.of(20261130L);
  private static final Duration LOAD = Duration.ofSeconds(40);
  private static final long WRITE_BEHIND_FIRST = 9_000_000;
  private static final int WRITE_BEHIND_HANDLES = 32;
  private static final String WB = "WB";

  static List<Long> seeds() {
    return withExtraSeeds(SEEDS);
  }

  static List<Long> packagedSeeds() {
    return withExtraSeeds(PACKAGED_SEEDS);
  }

  private static List<Long> withExtraSeeds(List<Long> fixed) {
    List<Long> seeds = new ArrayList<>(fixed);
    String extra = System.getProperty("connstate.faults.seed");
    if (extra != null && !extra.isBlank()) {
      for (String seed : extra.split(",")) {
        seeds.add(Long.parseLong(seed.trim()));
      }
    }
    return seeds;
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("two sidecars under mixed load while Redis is killed, paused and cut away")
  void faults(long seed) throws Exception {
    Random random = new Random(seed);
    try (TestRedis redis = TestRedis.start("--appendonly", "yes", "--appendfsync", "always");
         FaultProxy toA = new FaultProxy(redis.port());
         FaultProxy toB = new FaultProxy(redis.port())) {
      String prefix = TestSidecar.newPrefix("faults");
      RedisKeys keys = new RedisKeys(prefix);
      JsonObject settings = new JsonObject().put("criticalTimeoutMs", 3_000);
      try (TestSidecar a = TestSidecar.of(Await.result(TestSidecar.begin(toA.url(), prefix, "faults-a", settings)));
           TestSidecar b = TestSidecar.of(Await.result(TestSidecar.begin(toB.url(), prefix, "faults-b", settings)));
           SubscriberCopies onA = new SubscriberCopies("subscriber of faults-a", a.client());
           SubscriberCopies onB = new SubscriberCopies("subscriber of faults-b", b.client())) {
        List<ConnStateClient> clients = List.of(a.client(), b.client());
        WriteBehind writeBehind = new WriteBehind(clients, new Random(random.nextLong()));
        AcknowledgedLoad load = AcknowledgedLoad.start("random faults, seed " + seed, keys, clients, LOAD);
        writeBehind.start();

        List<String> faults = nemesis(random, redis, List.of(toA, toB), List.of(), writeBehind, load);

        String report = awaitEnd(seed, faults, load, writeBehind,
            () -> a.sidecar().ready() && b.sidecar().ready());
        check(redis, keys, load, clients, writeBehind, List.of(onA, onB), report);
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("packagedSeeds")
  @DisplayName("two packaged sidecars under mixed load while Redis is killed, paused and cut away, and the sidecars "
      + "are stopped (SIGSTOP) and killed and started again")
  void packagedFaults(long seed) throws Exception {
    Random random = new Random(seed);
    Vertx vertx = Vertx.vertx();
    List<AutoCloseable> closers = new ArrayList<>();
    try (TestRedis redis = TestRedis.start("--appendonly", "yes", "--appendfsync", "always");
         FaultProxy toA = new FaultProxy(redis.port());
         FaultProxy toB = new FaultProxy(redis.port())) {
      String prefix = TestSidecar.newPrefix("packaged");
      RedisKeys keys = new RedisKeys(prefix);
      List<PackagedSidecar> sidecars = List.of(new PackagedSidecar("faults-a", toA.url(), prefix),
          new PackagedSidecar("faults-b", toB.url(), prefix));
      sidecars.forEach(PackagedSidecar::start);
      closers.addAll(sidecars);
      sidecars.forEach(PackagedSidecar::awaitReady);
      List<ConnStateClient> clients = sidecars.stream().map(s -> s.client(vertx)).toList();
      List<SubscriberCopies> subscribers = new ArrayList<>();
      for (PackagedSidecar sidecar : sidecars) {
        SubscriberCopies copies = new SubscriberCopies("subscriber of " + sidecar.instanceId, sidecar.client(vertx));
        closers.add(copies);
        subscribers.add(copies);
      }
      WriteBehind writeBehind = new WriteBehind(clients, new Random(random.nextLong()));
      AcknowledgedLoad load = AcknowledgedLoad.start("packaged random faults, seed " + seed, keys, clients, LOAD);
      writeBehind.start();

      List<String> faults = nemesis(random, redis, List.of(toA, toB), sidecars, writeBehind, load);

      String report = awaitEnd(seed, faults, load, writeBehind,
          () -> sidecars.stream().allMatch(PackagedSidecar::healthy));
      List<String> logs = new ArrayList<>();
      sidecars.forEach(sidecar -> logs.addAll(sidecar.output()));
      Path file = Path.of("target", "random-faults", "packaged-seed-" + seed + ".log");
      Files.createDirectories(file.getParent());
      Files.write(file, logs);
      check(redis, keys, load, clients, writeBehind, subscribers, report);
      // issue 14, point 3: what the Vert.x Redis client says on resets goes through the rate-limited problem log
      assertThat(logs).as("stack traces and Vert.x's own WARN/ERROR lines in the sidecars' output (%s)", file)
          .noneMatch(line -> line.startsWith("\tat ") || line.matches(".* (WARN|ERROR) +\\[[^]]*] (i\\.v\\.|io\\.vertx).*"));
    } finally {
      for (AutoCloseable closer : closers) {
        closer.close();
      }
      Await.result(vertx.close());
    }
  }

  /** Waits for the load to end and both sidecars to be ready; returns the report for failure messages. */
  private static String awaitEnd(long seed, List<String> faults, AcknowledgedLoad load, WriteBehind writeBehind,
                                 BooleanSupplier ready) throws InterruptedException {
    load.awaitEnd();
    writeBehind.awaitEnd();
    load.mark("load ended");
    Await.until("both sidecars ready again", Duration.ofSeconds(30), ready);
    String report = "seed " + seed + ", faults " + faults + "\n" + load.summary();
    System.out.println("random faults: " + report);
    return report;
  }

  /** The checker: what was acknowledged is stored, the sidecars agree with Redis, every subscriber's copy too. */
  private static void check(TestRedis redis, RedisKeys keys, AcknowledgedLoad load, List<ConnStateClient> clients,
                            WriteBehind writeBehind, List<SubscriberCopies> subscribers, String report) {
    load.assertStored(redis);
    load.assertSidecarsAgree(redis, clients, Duration.ofSeconds(20));
    writeBehind.assertStored(redis, keys, report);
    Set<Long> handles = new HashSet<>(redis.smembers(keys.active()).stream().map(Long::parseLong).toList());
    handles.addAll(writeBehind.handles());
    for (SubscriberCopies copies : subscribers) {
      System.out.println("random faults: " + copies.summary());
      copies.assertMatches(redis, keys, handles, List.of(AcknowledgedLoad.FENCE, WB), Duration.ofSeconds(20));
      assertThat(copies.notIncreasing()).as("event versions that did not increase (%s)", report).isEmpty();
    }
  }

  /**
   * Injects a fault every 2 to 5 s while the load runs; returns what it did, in order. With
   * packaged sidecars it also stops one (SIGSTOP) or kills and restarts one.
   */
  private static List<String> nemesis(Random random, TestRedis redis, List<FaultProxy> proxies,
                                      List<PackagedSidecar> packaged, WriteBehind writeBehind, AcknowledgedLoad load)
      throws InterruptedException {
    List<String> done = new ArrayList<>();
    long endMs = LOAD.toMillis() - 3_000;
    long startedNanos = System.nanoTime();
    while (true) {
      Thread.sleep(2_000 + random.nextInt(3_000));
      if ((System.nanoTime() - startedNanos) / 1_000_000 > endMs) {
        return done;
      }
      int which = random.nextInt(packaged.isEmpty() ? 4 : 6);
      int sidecar = random.nextInt(proxies.size());
      long ms = 500 + random.nextInt(1_500);
      String fault = switch (which) {
        case 0 -> "kill -9 of Redis, restarted after " + ms + " ms";
        case 1 -> "reset of sidecar " + sidecar + "'s connections";
        case 2 -> "cut of sidecar " + sidecar + " for " + ms + " ms";
        case 3 -> "CLIENT PAUSE ALL " + ms + " ms";
        case 4 -> "SIGSTOP of sidecar " + sidecar + " for " + ms + " ms";
        default -> "kill -9 of sidecar " + sidecar + ", started again";
      };
      load.mark(fault);
      done.add(fault);
      switch (which) {
        case 0 -> {
          redis.kill();
          Thread.sleep(ms);
          redis.restart();
        }
        case 1 -> proxies.get(sidecar).reset();
        case 2 -> proxies.get(sidecar).cut(ms);
        case 3 -> pauseRedis(redis, ms);
        case 4 -> packaged.get(sidecar).stop(ms);
        default -> {
          packaged.get(sidecar).kill();
          // only after the process is gone: whatever it acknowledged before may be lost, nothing after
          writeBehind.sidecarKilled(sidecar);
          packaged.get(sidecar).start();
          packaged.get(sidecar).awaitReady();
          load.mark("sidecar " + sidecar + " ready again");
        }
      }
    }
  }

  /** CLIENT PAUSE; the test's own client may still be reconnecting after a kill, so it tries a few times. */
  private static void pauseRedis(TestRedis redis, long ms) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        redis.call("CLIENT", "PAUSE", Long.toString(ms), "ALL");
        return;
      } catch (AssertionError e) {
        if (attempt == 5) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * Write-behind updates ({@code WB} = a counter) to its own handles, each through one sidecar,
   * remembering the last value each handle was acknowledged with, and in which life of that
   * sidecar: every value acknowledged by a sidecar that was not killed afterwards must reach Redis.
   */
  private static final class WriteBehind {
    private final List<ConnStateClient> clients;
    private final Random random;
    private final Map<Long, Acknowledged> acknowledged = new ConcurrentHashMap<>();
    private final Set<Long> registered = ConcurrentHashMap.newKeySet();
    /** Per sidecar, how often it was killed: a value acknowledged in an earlier life may be lost. */
    private final AtomicIntegerArray lives;
    private final Thread thread = new Thread(() -> run(LOAD), "write-behind-load");

    private record Acknowledged(String value, int life) {
    }

    WriteBehind(List<ConnStateClient> clients, Random random) {
      this.clients = clients;
      this.random = random;
      this.lives = new AtomicIntegerArray(clients.size());
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void awaitEnd() throws InterruptedException {
      thread.join(60_000);
      assertThat(thread.isAlive()).as("the write-behind load ended").isFalse();
    }

    /** Sidecar {@code index} was killed: what it acknowledged until now is no longer held to be stored. */
    void sidecarKilled(int index) {
      lives.incrementAndGet(index);
    }

    Set<Long> handles() {
      return Set.copyOf(registered);
    }

    void run(Duration duration) {
      long deadline = System.nanoTime() + duration.toNanos();
      long counter = 0;
      for (long handle : LongStream.range(WRITE_BEHIND_FIRST, WRITE_BEHIND_FIRST + WRITE_BEHIND_HANDLES).toArray()) {
        while (System.nanoTime() < deadline && !registered.contains(handle)) {
          if (send(clients.get(0), Addresses.REGISTER, new JsonObject().put("handle", handle)
              .put("ipAddress", "203.0.113.9:1").put("hostname", "faults").put("connectionType", "telnet")) != null) {
            registered.add(handle);
          }
        }
      }
      while (System.nanoTime() < deadline) {
        long handle = WRITE_BEHIND_FIRST + random.nextInt(WRITE_BEHIND_HANDLES);
        if (!registered.contains(handle)) {
          continue;
        }
        String value = Long.toString(++counter);
        // one sidecar per handle: write-behind order holds per sidecar, and two sidecars writing
        // the same key behind are ordered by nothing (last writer wins), as for any client
        int via = (int) (handle % clients.size());
        int life = lives.get(via);
        if (send(clients.get(via), Addresses.UPDATE, new JsonObject().put("handle", handle)
            .put("metadata", new JsonObject().put(WB, value))) != null) {
          acknowledged.put(handle, new Acknowledged(value, life));
        } else {
          // not acknowledged: whether it lands is unknown, so this handle is not held to a value any more
          acknowledged.put(handle, new Acknowledged("?", life));
        }
        pause(5);
      }
    }

    /** The reply, or null when refused or unanswered (503 while Redis is away, a timeout). */
    private static JsonObject send(ConnStateClient client, String address, JsonObject body) {
      try {
        return client.request(address, body).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ReplyException reply) || reply.failureCode() != 503
            && reply.failureCode() != -1) {
          throw new AssertionError(address + " " + body.encode() + " failed unexpectedly", e.getCause());
        }
        pause(50);
        return null;
      } catch (TimeoutException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void assertStored(TestRedis redis, RedisKeys keys, String report) {
      List<String> lost = new ArrayList<>();
      acknowledged.forEach((handle, ack) -> {
        String stored = redis.hgetall(keys.connection(handle)).get("meta:" + WB);
        boolean held = !"?".equals(ack.value()) && ack.life() == lives.get((int) (handle % clients.size()));
        if (held && !ack.value().equals(stored)) {
          lost.add("handle " + handle + ": acknowledged " + ack.value() + ", Redis " + stored);
        }
      });
      assertThat(lost).as("acknowledged write-behind values lost (%s)", report).isEmpty();
    }

    private static void pause(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * One sidecar run from the packaged jar, the way the README runs it, on fixed bridge and HTTP
   * ports so that bridge clients find it again after a restart with the same instance id.
   */
  private static final class PackagedSidecar implements AutoCloseable {
    private final String instanceId;
    private final Map<String, String> env;
    private final int bridgePort = RedisProcess.freePort();
    private final int httpPort = RedisProcess.freePort();
    private final List<JarProcess> lives = new CopyOnWriteArrayList<>();
    private volatile JarProcess jar;

    PackagedSidecar(String instanceId, String redisUrl, String prefix) {
      this.instanceId = instanceId;
      this.env = Map.of("CONNSTATE_REDIS_URL", redisUrl, "CONNSTATE_KEY_PREFIX", prefix,
          "CONNSTATE_INSTANCE_ID", instanceId, "CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort),
          "CONNSTATE_HTTP_PORT", Integer.toString(httpPort), "CONNSTATE_CRITICAL_TIMEOUT_MS", "3000");
    }

    void start() {
      jar = new JarProcess(env);
      lives.add(jar);
    }

    /** Every line each of its processes wrote, life after life. */
    List<String> output() {
      List<String> all = new ArrayList<>();
      for (int life = 0; life < lives.size(); life++) {
        all.add("---- " + instanceId + ", process " + (life + 1));
        all.addAll(lives.get(life).output());
      }
      return all;
    }

    void awaitReady() {
      try {
        jar.awaitLine("connstate ready", 60);
      } catch (Exception e) {
        throw new AssertionError(instanceId + " did not become ready:\n" + String.join("\n", jar.output()), e);
      }
    }

    /** SIGSTOP, and SIGCONT after {@code ms}. */
    void stop(long ms) throws InterruptedException {
      jar.signal("STOP");
      try {
        Thread.sleep(ms);
      } finally {
        jar.signal("CONT");
      }
    }

    void kill() throws InterruptedException {
      jar.kill();
      try {
        jar.awaitExit(30);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(instanceId + " did not die of SIGKILL", e);
      }
    }

    boolean healthy() {
      try {
        return Http.get(httpPort, "/health").status() == 200;
      } catch (RuntimeException e) {
        return false; // not listening yet
      }
    }

    /** A bridge client of this sidecar that follows it across restarts (reconnecting within 0.1 to 0.5 s). */
    ConnStateClient client(Vertx vertx) {
      return ConnStateClient.bridge(vertx, new BridgeClientOptions().setPort(bridgePort).setReconnect(100, 500, 0.2)
          .setRequestTimeoutMs(10_000));
    }

    @Override
    public void close() {
      jar.close();
    }
  }
}
