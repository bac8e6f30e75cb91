package dev.connstate.shard;

import dev.connstate.config.SidecarConfig;
import dev.connstate.events.ChangeEvent;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.model.PlayerRef;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import dev.connstate.redis.ConnectionReport;
import dev.connstate.store.HandleStore;
import dev.connstate.store.ManagedConnection;
import dev.connstate.store.StoredConnection;
import dev.connstate.store.legacy.LegacyStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard: owns a subset of the handles ({@link Shards#indexOf}), holds their state and is
 * the only code that reads or changes it, on its own event loop, without locks. Its Redis
 * writes leave in order on its own pipelined connection.
 *
 * <p>Every public method may be called from any thread; the work runs on this shard's event
 * loop after all work submitted before it.
 */
public final class ShardVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ShardVerticle.class);
  /** Requests one shard keeps unanswered on its connection before further ones wait. */
  private static final int MAX_INFLIGHT = 8192;
  /** Batches of a startup load or resync in flight per shard (see {@link Batches}). */
  private static final int LOAD_WINDOW = 2;

  private final int index;
  private final ShardEnvironment env;
  private ShardState state;
  private HandleStore store;
  private WriteBehind writeBehind;
  private HandleExecutor commands;
  private EventApplier events;

  public ShardVerticle(int index, ShardEnvironment env) {
    this.index = index;
    this.env = env;
  }

  @Override
  public Future<?> start() {
    state = new ShardState(env.metrics());
    ManagedConnection connection = new ManagedConnection(vertx, env.redis()::connect, MAX_INFLIGHT, "shard " + index,
        new ConnectionReport(env.metrics(), env.problems()));
    boolean cluster = env.config().redis().mode() == SidecarConfig.RedisMode.CLUSTER;
    store = new HandleStore(connection, env.keys(), env.config().instanceId(), env.config().connectionTtlMs(),
        cluster, env.config().schema() == SidecarConfig.StoreSchema.DUAL, index);
    events = new EventApplier(state, store, vertx.eventBus(), env);
    writeBehind = new WriteBehind(vertx, state, store, env);
    commands = env.config().schema() == SidecarConfig.StoreSchema.LEGACY
        ? new LegacyCommands(state, new LegacyStore(vertx, env.redis(), env.keys(), env.config().connectionTtlMs(),
            env.config().legacyRetries()), env)
        : new HandleCommands(vertx, state, store, writeBehind, events, env);
    store.onRestored(writeBehind::retryNow);
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
      for (int i = 0; i < Math.min(query.limit(), matching.size()); i++) {
        page.add(matching.get(i).toJson());
      }
      return Future.succeededFuture(new Page(page, total, after));
    });
  }

  /** Handles on this shard bound to a player {@code ref} selects. */
  public Future<List<Long>> byPlayer(PlayerRef ref) {
    return submit(() -> Future.succeededFuture(state.handlesOf(ref)));
  }

  /**
   * Loads these handles from Redis into this shard (startup). Returns the handles that have no
   * hash (orphans in the active set); malformed ones are logged, counted and left alone.
   */
  public Future<List<Long>> load(List<Long> handles, int batchSize) {
    return submit(() -> {
      List<Long> orphans = new ArrayList<>();
      return Batches.run(handles, batchSize, LOAD_WINDOW, batch -> store.readAll(batch).map(results -> {
        for (int i = 0; i < results.size(); i++) {
          loaded(batch.get(i), results.get(i), orphans);
        }
        return null;
      })).map(orphans);
    });
  }

  private void loaded(long handle, Object result, List<Long> orphans) {
    if (result == null) {
      orphans.add(handle);
    } else if (result instanceof MalformedRecordException malformed) {
      env.metrics().malformed("load");
      LOG.warn("startup load skipped a malformed connection, left untouched in Redis: {}", malformed.getMessage());
    } else {
      StoredConnection stored = (StoredConnection) result;
      if (stored.legacy()) {
        env.metrics().legacyRead();
      }
      HandleSlot slot = state.getOrCreate(handle);
      if (slot.committed == null || stored.record().version() > slot.committed.version()) {
        slot.commit(stored);
      }
      state.reindex(slot);
    }
  }

  /**
   * After events were missed (the subscription was down): re-reads every handle this shard
   * holds or that {@code members} (this shard's part of the active set) names, makes Redis's
   * state the committed one and publishes what changed.
   */
  public Future<Void> resync(List<Long> members, int batchSize) {
    return submit(() -> {
      Set<Long> handles = new LinkedHashSet<>(members);
      for (HandleSlot slot : state.slots()) {
        if (slot.committed != null) {
          handles.add(slot.handle);
        }
      }
      return Batches.run(new ArrayList<>(handles), batchSize, LOAD_WINDOW, batch -> store.readAll(batch)
          .map(results -> {
            for (int j = 0; j < results.size(); j++) {
              if (results.get(j) instanceof MalformedRecordException malformed) {
                env.metrics().malformed("resync");
                LOG.warn("resync skipped a malformed connection, left untouched in Redis: {}", malformed.getMessage());
              } else {
                StoredConnection stored = (StoredConnection) results.get(j);
                if (stored == null || !stored.legacy()) {
                  // a connection that exists only as a v1 record has no events to catch up on
                  events.resynced(batch.get(j), stored == null ? null : stored.record());
                }
              }
            }
            return null;
          }));
    });
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
   * @param connections the first {@code limit} matching connections after the cursor, in handle order
   * @param total how many connections match the filter, cursor aside
   * @param after how many match after the cursor
   */
  public record Page(List<JsonObject> connections, int total, int after) {
  }
}
