package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.ConnStateClient;
import dev.connstate.client.Connection;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DESIGN §3: {@code lastSeen} is the time of the last command that changed a connection, and never
 * goes backwards — Redis and every sidecar keep the later of two times. Two sidecars write the
 * same connections behind ({@code writeBehindDelayMs} 10), so the one that changed a connection
 * first can reach Redis last.
 */
@DisplayName("lastSeen across two sidecars")
class LastSeenIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  private static final int HANDLES = 200;
  private static final int ROUNDS = 15;
  private static final int THREADS = 4;
  /** B changes a connection this long after A's answer: later in time, often earlier in Redis. */
  private static final long B_AFTER_MS = 3;
  private static final int EXAMPLES = 8;

  /** Per handle, the latest time a command to it was sent and the latest time one was answered. */
  private final AtomicLongArray lastSent = new AtomicLongArray(HANDLES + 1);
  private final AtomicLongArray lastAnswered = new AtomicLongArray(HANDLES + 1);

  @Test
  @DisplayName("A and then, a few ms later, B update each of 200 connections, 15 times, concurrently: Redis keeps "
      + "the later lastSeen, it never goes back between two reads, and both sidecars' get shows Redis's")
  void theLaterTimeWins() throws Exception {
    String prefix = TestSidecar.newPrefix("lastseen");
    RedisKeys keys = new RedisKeys(prefix);
    JsonObject writeBehind = new JsonObject().put("writeBehindDelayMs", 10);
    try (TestSidecar a = TestSidecar.start(redis, prefix, "lastseen-a", writeBehind);
         TestSidecar b = TestSidecar.start(redis, prefix, "lastseen-b", writeBehind)) {
      List<Future<?>> registered = new ArrayList<>();
      for (int i = 1; i <= HANDLES; i++) {
        long h = handle(i);
        registered.add(timed(i, () -> a.client().register(h, "10.30.0.1:" + h, "h", "telnet")));
      }
      Await.result(Future.all(registered));
      Await.until("B holds every connection", Duration.ofSeconds(10),
          () -> Await.result(b.client().stats()).getLong("connections") == HANDLES);

      LastSeenWatch watch = new LastSeenWatch(keys);
      watch.start();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int first = t + 1;
        Thread thread = new Thread(() -> alternate(a.client(), b.client(), first), "lastseen-" + t);
        threads.add(thread);
        thread.start();
      }
      for (Thread thread : threads) {
        thread.join(60_000);
        assertThat(thread.isAlive()).as("%s finished within 60 s", thread.getName()).isFalse();
      }
      Await.until("both sidecars wrote everything behind", Duration.ofSeconds(10),
          () -> pending(a) + pending(b) == 0);
      watch.stop();

      SoftAssertions.assertSoftly(softly -> {
        softly.check(() -> assertLaterTimeStored(keys));
        softly.assertThat(watch.regressionCount).as("times lastSeen in Redis went backwards between two reads (%s "
            + "sweeps over all %s connections); first: %s", watch.sweeps, HANDLES, watch.regressions).isZero();
        softly.check(() -> assertSidecarsShowRedis(keys, a.client(), b.client()));
        softly.check(() -> assertLastValuesStored(keys));
      });
    }
  }

  /** Handles {@code first}, {@code first + THREADS}, …: each round, A updates them all, then B does. */
  private void alternate(ConnStateClient a, ConnStateClient b, int first) {
    for (int round = 1; round <= ROUNDS; round++) {
      String value = Integer.toString(round);
      Await.result(Future.all(each(first, h -> a.update(handle(h), Map.of("FromA", value)))));
      pause(B_AFTER_MS);
      Await.result(Future.all(each(first, h -> b.update(handle(h), Map.of("FromB", value)))));
    }
  }

  private List<Future<?>> each(int first, IntFunction<Future<?>> command) {
    List<Future<?>> sent = new ArrayList<>();
    for (int h = first; h <= HANDLES; h += THREADS) {
      int index = h;
      sent.add(timed(index, () -> command.apply(index)));
    }
    return sent;
  }

  /** Sends a command and records, for its handle, when it was sent and when it was answered. */
  private Future<?> timed(int i, Supplier<Future<?>> command) {
    lastSent.accumulateAndGet(i, System.currentTimeMillis(), Math::max);
    return command.get().onSuccess(r -> lastAnswered.accumulateAndGet(i, System.currentTimeMillis(), Math::max));
  }

  private static long handle(long index) {
    return 4_000 + index;
  }

  /**
   * Each command's time lies between its sending and its answer, so the latest of them — what
   * Redis must hold — is at least the last sending and at most the last answer.
   */
  private void assertLaterTimeStored(RedisKeys keys) {
    List<String> wrong = new ArrayList<>();
    for (int i = 1; i <= HANDLES; i++) {
      long stored = Long.parseLong(redis.hgetall(keys.connection(handle(i))).get("lastSeen"));
      if (stored < lastSent.get(i) || stored > lastAnswered.get(i)) {
        wrong.add("handle " + handle(i) + ": Redis lastSeen " + stored + " is " + (stored < lastSent.get(i)
            ? (lastSent.get(i) - stored) + " ms before the last command was sent (" + lastSent.get(i) + ")"
            : (stored - lastAnswered.get(i)) + " ms after the last answer (" + lastAnswered.get(i) + ")"));
      }
    }
    assertThat(wrong.size()).as("connections (of %d) holding an older lastSeen than their last change's; first: %s",
        HANDLES, wrong.subList(0, Math.min(EXAMPLES, wrong.size()))).isZero();
  }

  /** Within 10 s, both sidecars' get shows the lastSeen (and version) Redis holds. */
  private static void assertSidecarsShowRedis(RedisKeys keys, ConnStateClient a, ConnStateClient b) {
    List<String> last = new ArrayList<>();
    try {
      Await.until("both sidecars show Redis's lastSeen and version", Duration.ofSeconds(10), () -> {
        last.clear();
        for (int i = 1; i <= HANDLES; i++) {
          Map<String, String> stored = redis.hgetall(keys.connection(handle(i)));
          compare(last, "A", Await.result(a.get(handle(i))), stored);
          compare(last, "B", Await.result(b.get(handle(i))), stored);
        }
        return last.isEmpty();
      });
    } catch (AssertionError e) {
      throw new AssertionError(last.size() + " gets differ from Redis after 10 s; first: "
          + last.subList(0, Math.min(EXAMPLES, last.size())), e);
    }
  }

  private static void compare(List<String> out, String sidecar, Connection shown, Map<String, String> stored) {
    String lastSeen = stored.get("lastSeen");
    String version = stored.get("version");
    if (!Long.toString(shown.lastSeen()).equals(lastSeen) || !Long.toString(shown.version()).equals(version)) {
      out.add(sidecar + " handle " + shown.handle() + ": get lastSeen " + shown.lastSeen() + " v" + shown.version()
          + ", Redis lastSeen " + lastSeen + " v" + version
          + (Long.parseLong(lastSeen) < shown.lastSeen() ? " (Redis " + (shown.lastSeen() - Long.parseLong(lastSeen))
          + " ms older)" : ""));
    }
  }

  /** Write-behind from live sidecars reaches Redis: each key holds its last round's value. */
  private static void assertLastValuesStored(RedisKeys keys) {
    for (int i = 1; i <= HANDLES; i++) {
      assertThat(redis.hgetall(keys.connection(handle(i))))
          .as("handle %d", handle(i))
          .containsEntry("meta:FromA", Integer.toString(ROUNDS))
          .containsEntry("meta:FromB", Integer.toString(ROUNDS));
    }
  }

  private static long pending(TestSidecar sidecar) {
    return Await.result(sidecar.client().stats()).getLong("pendingWrites");
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms); // the gap between A's change and B's: part of the scenario, not a wait
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Reads every handle's lastSeen from Redis over and over while the sidecars write (all of them in
   * one pipelined batch, so a sweep takes a few ms), noting any that went back.
   */
  private static final class LastSeenWatch {
    private final Vertx vertx = Vertx.vertx();
    private final Redis client = Redis.createClient(vertx, redis.url());
    private final List<Request> reads = new ArrayList<>();
    private final long[] seen = new long[HANDLES + 1];
    private final List<String> regressions = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile long sweeps;
    private volatile long regressionCount;
    private final Thread thread = new Thread(this::watch, "lastseen-watch");

    LastSeenWatch(RedisKeys keys) {
      for (int i = 1; i <= HANDLES; i++) {
        reads.add(Request.cmd(Command.HGET).arg(keys.connection(handle(i))).arg("lastSeen"));
      }
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(10_000);
      Await.result(client.close().eventually(vertx::close));
    }

    private void watch() {
      while (running) {
        List<Response> values = Await.result(client.batch(reads));
        sweeps++;
        for (int i = 1; i <= HANDLES; i++) {
          long now = values.get(i - 1).toLong();
          if (now < seen[i] && ++regressionCount <= EXAMPLES) {
            regressions.add("handle " + handle(i) + ": " + seen[i] + " then " + now + " (" + (seen[i] - now)
                + " ms back, sweep " + sweeps + ")");
          }
          seen[i] = Math.max(seen[i], now);
        }
      }
    }
  }
}
