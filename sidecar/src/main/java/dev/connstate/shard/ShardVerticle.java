package dev.connstate.shard;

import dev.connstate.config.SidecarConfig;
import dev.connstate.model.ChangeEvent;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.PlayerRef;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard: owns a subset of the handles ({@link Shards#indexOf}), holds their state and is
 * the only code that reads or changes it, on its own event loop, without locks. Its writes
 * leave in order through its own store ({@link ConnectionStore}: in production a pipelined
 * Redis connection of its own).
 *
 * <p>Every public method may be called from any thread; the work runs on this shard's event
 * loop after all work submitted before it.
 */
public final class ShardVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ShardVerticle.class);

  private final int index;
  private final ShardEnvironment env;
  private ShardState state;
  private ConnectionStore store;
  private ShardLoader loader;
  private WriteBehind writeBehind;
  private HandleExecutor commands;
  private EventApplier events;
  private ShardAudit audit;

  public ShardVerticle(int index, ShardEnvironment env) {
    this.index = index;
    this.env = env;
  }

  @Override
  public Future<?> start() {
    state = new ShardState(env.totals());
    store = env.stores().open(vertx, index);
    events = new EventApplier(state, store, vertx.eventBus(), env);
    writeBehind = new WriteBehind(vertx, state, store, env);
    loader = new ShardLoader(state, store, events, env);
    audit = new ShardAudit(vertx, state, store, events, env);
    commands = env.config().schema() == SidecarConfig.StoreSchema.LEGACY
        ? new LegacyCommands(state, store, env)
        : new HandleCommands(vertx, state, store, writeBehind, events, env);
    store.onRestored(() -> {
      writeBehind.retryNow();
      // a lost connection may come back to another master, with history lost: catch up
      env.resync().request();
    });
    return store.start().onSuccess(v -> LOG.debug("shard {} ready", index));
  }

  @Override
  public Future<?> stop() {
    return store == null ? Future.succeededFuture() : store.close();
  }

  /** Executes a command about one handle, after every command for it received before. */
  public Future<JsonObject> execute(Command.ForHandle command) {
    return submit(() -> commands.execute(command));
  }

  /** This sidecar's instance id: the owner of the connections it registers. */
  public String instanceId() {
    return env.config().instanceId();
  }

  /** Expires a connection in its turn (DESIGN §7): {@code {"handle", "expired": bool}}. */
  public Future<JsonObject> expire(long handle, Expiry expiry) {
    return submit(() -> commands.expire(handle, expiry));
  }

  /** Handles on this shard of connections owned by {@code owner} in client session {@code session}. */
  public Future<List<Long>> sessionHandles(String owner, String session) {
    return submit(() -> {
      List<Long> handles = new ArrayList<>();
      for (HandleSlot slot : state.slots()) {
        ConnectionRecord view = slot.view;
        if (view != null && session.equals(view.session()) && owner.equals(view.owner())) {
          handles.add(view.handle());
        }
      }
      return Future.succeededFuture(handles);
    });
  }

  /** The client sessions of the connections on this shard owned by {@code owner}. */
  public Future<Set<String>> sessions(String owner) {
    return submit(() -> {
      Set<String> sessions = new HashSet<>();
      for (HandleSlot slot : state.slots()) {
        ConnectionRecord view = slot.view;
        if (view != null && view.session() != null && owner.equals(view.owner())) {
          sessions.add(view.session());
        }
      }
      return Future.succeededFuture(sessions);
    });
  }

  /**
   * Touches each of these handles, each in its turn like a single touch; the outcome per handle
   * is {@link TouchOutcome}. Fails only on an unexpected error.
   */
  public Future<List<TouchOutcome>> touch(List<Long> handles) {
    return submit(() -> {
      List<Future<TouchOutcome>> outcomes = new ArrayList<>(handles.size());
      for (long handle : handles) {
        outcomes.add(commands.execute(new Command.Touch(handle)).map(reply -> TouchOutcome.TOUCHED)
            .recover(e -> TouchOutcome.of(e)));
      }
      return Future.all(outcomes).map(all -> {
        List<TouchOutcome> out = new ArrayList<>(outcomes.size());
        outcomes.forEach(f -> out.add(f.result()));
        return out;
      });
    });
  }

  /** What a touch within a multi-handle touch did. */
  public enum TouchOutcome {
    TOUCHED, UNKNOWN, REFUSED;

    static Future<TouchOutcome> of(Throwable failure) {
      if (failure instanceof CommandFailure f && f.code() == FailureCode.NOT_FOUND) {
        return Future.succeededFuture(UNKNOWN);
      }
      if (failure instanceof CommandFailure f && f.code() == FailureCode.UNAVAILABLE) {
        return Future.succeededFuture(REFUSED);
      }
      return Future.failedFuture(failure);
    }
  }

  /** Applies a change event from the Redis channel and republishes it. */
  public void apply(ChangeEvent event) {
    context.runOnContext(v -> events.apply(event));
  }

  /** One page of this shard's live connections matching the query, and how many match in all. */
  public Future<Page> list(Command.ListConnections query) {
    return submit(() -> {
      List<ConnectionRecord> matching = new ArrayList<>();
      int total = 0;
      for (HandleSlot slot : state.slots()) {
        ConnectionRecord view = slot.view;
        if (view == null || query.state() != null && !query.state().equals(view.state().wire())
            || query.owner() != null && !query.owner().equals(view.owner())) {
          continue;
        }
        total++;
        if (view.handle() > query.after()) {
          matching.add(view);
        }
      }
      matching.sort(Comparator.comparingLong(ConnectionRecord::handle));
      int after = matching.size();
      List<JsonObject> page = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      long bytes = 0;
      int maxBytes = env.config().limits().maxReplyBytes();
      for (int i = 0; i < Math.min(query.limit(), matching.size()) && (i == 0 || bytes < maxBytes); i++) {
        int size = matching.get(i).estimatedJsonBytes();
        page.add(matching.get(i).toJson());
        sizes.add(size);
        bytes += size;
      }
      return Future.succeededFuture(new Page(page, sizes, total, after));
    });
  }

  /** Handles on this shard bound to a player {@code ref} selects. */
  public Future<List<Long>> byPlayer(PlayerRef ref) {
    return submit(() -> Future.succeededFuture(state.handlesOf(ref)));
  }

  /**
   * Loads these handles from the store into this shard (startup). Returns the handles that have
   * no connection (orphans in the active set); malformed ones are logged, counted and left alone.
   */
  public Future<List<Long>> load(List<Long> handles, int batchSize) {
    return submit(() -> loader.load(handles, batchSize));
  }

  /**
   * After events were missed (the subscription was down): re-reads every handle this shard
   * holds, whose connection its subscribers hold, or that {@code members} (this shard's part of
   * the active set) names, makes the store's state the committed one and publishes what its
   * subscribers missed (protocol §8.2a), this sidecar's own changes included.
   */
  public Future<Void> resync(List<Long> members, int batchSize) {
    return submit(() -> loader.resync(members, batchSize));
  }

  /** Loads connections the store holds but does not list as live, and lists them; how many. */
  public Future<Integer> loadUnlisted(List<Long> handles, int batchSize) {
    return submit(() -> loader.loadUnlisted(handles, batchSize));
  }

  /** Every handle the store lists as live (the active set). */
  public Future<List<Long>> listHandles() {
    return submit(() -> store.listHandles());
  }

  /** Every handle with a connection record, listed or not (a keyspace scan). */
  public Future<List<Long>> scanHandles() {
    return submit(() -> store.scanHandles());
  }

  /** Up to {@code count} distinct handles of the active set, at random. */
  public Future<List<Long>> sampleHandles(int count) {
    return submit(() -> store.sampleHandles(count));
  }

  /**
   * This shard's part of one convergence audit run (DESIGN §7): compares {@code fromRedis}
   * (handles drawn from the active set that belong to this shard) and up to {@code fromMemory}
   * connections drawn from those it holds with what Redis holds, leaving out any that change
   * meanwhile; a difference that is still there {@code settleMs} later is counted and repaired
   * (Redis's state taken, and published as a resync event). Never fails: a failed read ends the
   * shard's part, and the report says so.
   */
  public Future<AuditReport> audit(List<Long> fromRedis, int fromMemory, long settleMs) {
    return submit(() -> audit.run(fromRedis, fromMemory, settleMs));
  }

  /** Removes from the active set those of {@code handles} that point at no connection; how many. */
  public Future<Long> removeOrphans(List<Long> handles) {
    return submit(() -> store.removeOrphans(handles));
  }

  /**
   * Shutdown: sends every write waiting for a retry now and waits until nothing is unstored
   * and no critical change is in flight, or {@code timeoutMs} passed. Returns what is still
   * unstored ("handle [keys]").
   */
  public Future<List<String>> drain(long timeoutMs) {
    return submit(() -> {
      writeBehind.retryNow();
      Promise<List<String>> drained = Promise.promise();
      awaitDrained(drained, System.currentTimeMillis() + timeoutMs);
      return drained.future();
    });
  }

  private void awaitDrained(Promise<List<String>> drained, long deadline) {
    List<String> unstored = writeBehind.unstored();
    boolean busy = state.slots().stream().anyMatch(slot -> slot.busy);
    if (unstored.isEmpty() && !busy || System.currentTimeMillis() >= deadline) {
      drained.complete(unstored);
    } else {
      vertx.setTimer(20, id -> awaitDrained(drained, deadline));
    }
  }

  private <T> Future<T> submit(Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /**
   * A shard's part of a list.
   *
   * @param connections the first {@code limit} matching connections after the cursor, in handle
   *     order, fewer once they reach {@code limits.maxReplyBytes}
   * @param sizes about how many bytes each of them encodes to
   * @param total how many connections match the filter, cursor aside
   * @param after how many match after the cursor
   */
  public record Page(List<JsonObject> connections, List<Integer> sizes, int total, int after) {
  }
}
