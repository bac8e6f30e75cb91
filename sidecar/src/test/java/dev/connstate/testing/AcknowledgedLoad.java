package dev.connstate.testing;

import dev.connstate.client.ConnStateClient;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Critical commands from four client threads, each on its own range of handles, through one or
 * two sidecars, for a given time, remembering what every acknowledged command set, so that a test
 * can show afterwards that nothing acknowledged was lost ({@link #assertStored}), that the
 * sidecars show what Redis holds ({@link #assertSidecarsAgree}) and that a sidecar started later
 * loads it all ({@link #assertLoadedBy}).
 *
 * <p>Each thread keeps up to 16 live connections: it registers new handles, binds them to players
 * {@code #<n>:<creationMs>}, sets the metadata key {@value #FENCE} with {@code updateCritical},
 * and now and then unbinds or disconnects one. Like the two servers of DESIGN §1, register and
 * disconnect go to the first sidecar, bind and unbind to the last, critical updates to either.
 * A command answered 503 is retried, as a client would (critical commands are idempotent), up to
 * five times with growing pauses (0.1 to 1 s), and so is one whose outcome is unknown (failure code
 * -1: a bridge socket closed before the answer, a sidecar gone); a command never
 * acknowledged leaves its handle in
 * one of two states (before or after it), and the handle gets no more commands.
 */
public final class AcknowledgedLoad {
  public static final String FENCE = "Fence";
  private static final int THREADS = 4;
  private static final int LIVE_PER_THREAD = 16;
  private static final long HANDLES_PER_THREAD = 1_000_000;
  private static final int PLAYERS = 40;
  private static final long PLAYER_CREATED_MS = 1_700_000_000_000L;
  private static final long[] RETRY_PAUSES_MS = {100, 200, 400, 800, 1_000};
  private static final long ANSWER_TIMEOUT_MS = 10_000;

  private final String label;
  private final RedisKeys keys;
  private final List<ConnStateClient> clients;
  /** When the threads stop starting commands, in ms after the start. */
  private volatile long endMs;
  private final Map<Long, HandleHistory> histories = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final LoadRecord record = new LoadRecord();

  private AcknowledgedLoad(String label, RedisKeys keys, List<ConnStateClient> clients, Duration duration) {
    this.label = label;
    this.keys = keys;
    this.clients = List.copyOf(clients);
    this.endMs = duration.toMillis();
  }

  /**
   * Starts the load on its threads; it stops by itself after {@code duration}. {@code label} names
   * the scenario in every report.
   */
  public static AcknowledgedLoad start(String label, RedisKeys keys, List<ConnStateClient> clients,
                                       Duration duration) {
    AcknowledgedLoad load = new AcknowledgedLoad(label, keys, clients, duration);
    for (int i = 0; i < THREADS; i++) {
      int index = i;
      Thread thread = new Thread(() -> load.drive(index), "acknowledged-load-" + i);
      thread.setDaemon(true);
      load.threads.add(thread);
      thread.start();
    }
    return load;
  }

  /** Waits until the load has run for {@code time} (to put a fault in the middle of it). */
  public void awaitRunningFor(Duration time) {
    Await.until("the load ran for " + time, time.plusSeconds(10), () -> elapsedMs() >= time.toMillis());
  }

  /** Notes the time of something the test did, for the report; returns it (ms since the start). */
  public long mark(String what) {
    return record.mark(what);
  }

  /** Commands acknowledged from {@code fromMs} (inclusive) to {@code toMs} (exclusive) after the start. */
  public long acknowledgedBetween(long fromMs, long toMs) {
    return record.acknowledgedBetween(fromMs, toMs);
  }

  /** "none", or how many commands sent from {@code fromMs} after the start were answered 503, with the first few. */
  public String answered503SentFrom(long fromMs) {
    return record.refusedSentFrom(fromMs);
  }

  /** The keys of the sidecars' prefix. */
  public RedisKeys keys() {
    return keys;
  }

  /** Makes the load stop {@code total} after its start instead (at once if that has passed). */
  public void endAt(Duration total) {
    endMs = total.toMillis();
  }

  /**
   * Waits until every thread has finished: the load's time plus the last commands' retries
   * (each attempt is answered within the sidecar's critical timeout; at most 30 s in all).
   */
  public void awaitEnd() {
    long deadlineMs = endMs + 30_000;
    for (Thread thread : threads) {
      try {
        thread.join(Math.max(1, deadlineMs - elapsedMs()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " still running 30 s after the load's end at +" + endMs + " ms");
      }
    }
    mark("load ended");
  }

  private long elapsedMs() {
    return record.elapsedMs();
  }

  // ---- the load -------------------------------------------------------------------------

  private void drive(int index) {
    Random random = new Random(7919L * (index + 1));
    List<Long> live = new ArrayList<>();
    long next = (index + 1) * HANDLES_PER_THREAD;
    int seq = 0;
    while (elapsedMs() < endMs) {
      if (live.size() < LIVE_PER_THREAD || random.nextInt(20) == 0) {
        long handle = next++;
        if (register(handle)) {
          live.add(handle);
        }
        continue;
      }
      Long handle = live.get(random.nextInt(live.size()));
      HandleHistory history = histories.get(handle);
      HandleHistory.State now = history.acknowledged();
      int roll = random.nextInt(100);
      boolean keep;
      if (now.playerRef() == null && roll < 50 || now.playerRef() != null && roll >= 85 && roll < 95) {
        keep = now.playerRef() == null ? bind(history, player(random)) : unbind(history);
      } else if (roll < 95) {
        ConnStateClient via = clients.get(random.nextInt(clients.size()));
        keep = fence(history, via, "t" + index + "-" + seq++);
      } else {
        disconnect(history);
        keep = false;
      }
      if (!keep) {
        live.remove(handle);
      }
    }
  }

  private static String player(Random random) {
    int n = 1 + random.nextInt(PLAYERS);
    return "#" + n + ":" + (PLAYER_CREATED_MS + n);
  }

  private boolean register(long handle) {
    HandleHistory history = histories.computeIfAbsent(handle, HandleHistory::new);
    return perform(history, "register", 0, () -> clients.get(0).register(handle, "10.20.0.1:" + handle % 65_536,
        "h" + handle, "telnet"), HandleHistory.State.ABSENT.registered(),
        r -> "created " + r.created() + ", v" + r.connection().version());
  }

  private boolean bind(HandleHistory history, String player) {
    int via = clients.size() - 1;
    return perform(history, "bind " + player, via, () -> clients.get(via).bind(history.handle, player),
        history.acknowledged().bound(player), c -> "v" + c.version());
  }

  private boolean unbind(HandleHistory history) {
    int via = clients.size() - 1;
    return perform(history, "unbind", via, () -> clients.get(via).unbind(history.handle),
        history.acknowledged().unbound(), c -> "v" + c.version());
  }

  private boolean fence(HandleHistory history, ConnStateClient client, String value) {
    return perform(history, FENCE + "=" + value, clients.indexOf(client),
        () -> client.updateCritical(history.handle, Map.of(FENCE, value)), history.acknowledged().fenced(value),
        r -> "v" + r.version());
  }

  private boolean disconnect(HandleHistory history) {
    return perform(history, "disconnect", 0, () -> clients.get(0).disconnect(history.handle, "load"),
        history.acknowledged().disconnected(), removed -> "removed " + removed);
  }

  /**
   * Sends a command until it is acknowledged, retrying 503s; records the outcome. False if it
   * never was (its handle then gets no more commands).
   */
  private <T> boolean perform(HandleHistory history, String command, int via, Supplier<Future<T>> send,
                              HandleHistory.State target, Function<T, String> reply) {
    String kind = command.split("[ =]")[0];
    for (int attempt = 0; ; attempt++) {
      long sentMs = elapsedMs();
      String line = String.format("%s via sidecar %d at +%.3f s", command, via, sentMs / 1000.0);
      try {
        T answer = answer(send.get());
        history.acknowledge(target, line + ": acknowledged (" + reply.apply(answer) + ")"
            + (attempt > 0 ? " on attempt " + (attempt + 1) : ""));
        record.acknowledged(kind);
        return true;
      } catch (ReplyException e) {
        // 503, or an outcome unknown (a bridge socket closed before the answer): both safe to retry
        boolean retryable = e.failureCode() == 503 || e.failureCode() == -1;
        if (retryable) {
          if (e.failureCode() == 503) {
            record.refused(sentMs, "handle " + history.handle + ": " + line + ": " + e.getMessage());
          } else {
            record.unknown();
          }
          if (attempt < RETRY_PAUSES_MS.length) {
            pause(RETRY_PAUSES_MS[attempt]);
            continue;
          }
        } else {
          record.unexpected("handle " + history.handle + ": " + line + ": " + e.failureCode() + " " + e.getMessage());
        }
        history.unconfirm(target, line + ": failed " + e.failureCode() + " after " + (attempt + 1) + " attempts");
      } catch (RuntimeException e) {
        record.unexpected("handle " + history.handle + ": " + line + ": " + e);
        history.unconfirm(target, line + ": " + e);
      }
      record.gaveUp();
      return false;
    }
  }

  private static <T> T answer(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplyException reply) {
        throw reply;
      }
      throw new IllegalStateException("failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + ANSWER_TIMEOUT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms); // a client's retry pause, not a wait for a condition
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the checks -----------------------------------------------------------------------

  /** Every handle the load touched, by handle. */
  List<HandleHistory> histories() {
    List<HandleHistory> all = new ArrayList<>(histories.values());
    all.sort((a, b) -> Long.compare(a.handle, b.handle));
    return all;
  }

  /** Handles whose last acknowledged state is live, and that no unacknowledged command may have removed. */
  List<Long> liveHandles() {
    return histories().stream().filter(h -> h.acknowledged().live()
        && (h.unconfirmed() == null || h.unconfirmed().live())).map(h -> h.handle).toList();
  }

  /** Every acknowledged state is in Redis: hash fields, {@code conn:active}, the player sets. */
  public void assertStored(RedisReader redis) {
    new StoredStateCheck(keys, redis).assertHolds(histories(), this::summary);
  }

  /** Within {@code within}, every sidecar's {@code get} of every handle equals what Redis holds. */
  public void assertSidecarsAgree(RedisReader redis, List<ConnStateClient> sidecars, Duration within) {
    new SidecarAgreement(keys, redis).assertAgree(histories(), sidecars, within, this::summary);
  }

  /** A sidecar started after the load loaded every acknowledged live connection, and counts what Redis counts. */
  public void assertLoadedBy(ConnStateClient late, RedisReader redis) {
    new SidecarAgreement(keys, redis).assertLoaded(liveHandles(), late, this::summary);
  }

  /** Counts and marks, for assertion messages. */
  public String summary() {
    return record.summary(label, String.format("load of %d threads over %d sidecar(s) for %.1f s", THREADS,
        clients.size(), endMs / 1000.0), histories.size());
  }
}
