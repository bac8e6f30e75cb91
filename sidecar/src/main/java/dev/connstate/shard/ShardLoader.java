package dev.connstate.shard;

import dev.connstate.model.MalformedRecordException;
import dev.connstate.ops.MetricNames;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills one shard from the store: at startup (every handle of the active set that belongs to
 * it), and again after events were missed (resync), in batches, {@link #WINDOW} of them in
 * flight. A record that cannot be read is logged, counted and left untouched in the store: it
 * never stops a start.
 */
final class ShardLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ShardLoader.class);
  /** Batches in flight per shard (see {@link Batches}). */
  private static final int WINDOW = 2;

  private final ShardState state;
  private final ConnectionStore store;
  private final EventApplier events;
  private final ShardEnvironment env;
  private final MetadataLimits limits;

  ShardLoader(ShardState state, ConnectionStore store, EventApplier events, ShardEnvironment env) {
    this.state = state;
    this.store = store;
    this.events = events;
    this.env = env;
    this.limits = new MetadataLimits(env.config().limits(), env.metrics());
  }

  /** Loads these handles; returns those the store has no connection for (orphans in the active set). */
  Future<List<Long>> load(List<Long> handles, int batchSize) {
    List<Long> orphans = new ArrayList<>();
    return Batches.run(handles, batchSize, WINDOW, batch -> store.readAll(batch).map(results -> {
      for (int i = 0; i < results.size(); i++) {
        loaded(batch.get(i), results.get(i), orphans);
      }
      return null;
    })).map(orphans);
  }

  /**
   * Loads connections the store holds but did not list as live (an attempt whose index write
   * was lost), and lists them again. Returns how many it found.
   */
  Future<Integer> loadUnlisted(List<Long> handles, int batchSize) {
    return load(handles, batchSize).compose(none -> {
      List<Future<Void>> relisted = new ArrayList<>();
      for (long handle : handles) {
        HandleSlot slot = state.get(handle);
        if (slot != null && slot.committed != null) {
          relisted.add(store.relist(handle));
        }
      }
      return Future.all(relisted).map(all -> relisted.size());
    });
  }

  private void loaded(long handle, ReadResult result, List<Long> orphans) {
    if (result.missing()) {
      orphans.add(handle);
    } else if (result.malformed() != null) {
      skipMalformed(MetricNames.MALFORMED_LOAD, "startup load", result.malformed());
    } else {
      StoredConnection stored = result.stored();
      if (stored.legacy()) {
        env.metrics().legacyRead();
      }
      reportIfOversized(stored);
      HandleSlot slot = state.getOrCreate(handle);
      if (slot.committed == null || stored.record().version() > slot.committed.version()) {
        slot.commit(stored);
      }
      if (slot.shownVersion == 0) {
        // subscribers list the connections after registering for events (protocol §8.3): they
        // hold what was loaded, and a later resync publishes what they miss from there
        slot.shownAs(slot.committed);
      }
      state.reindex(slot);
    }
  }

  /**
   * Re-reads every handle this shard holds, whose subscribers hold it (it may be gone: this
   * sidecar's own disconnect forgot it), or that {@code members} (this shard's part of the
   * active set) names, makes the store's state the committed one and publishes what changed.
   */
  Future<Void> resync(List<Long> members, int batchSize) {
    Set<Long> handles = new LinkedHashSet<>(members);
    for (HandleSlot slot : state.slots()) {
      if (slot.committed != null || slot.shownVersion > 0) {
        handles.add(slot.handle);
      }
    }
    return Batches.run(new ArrayList<>(handles), batchSize, WINDOW, batch -> {
      // pinned: an event that removes a connection while its read is out must not drop the
      // slot, or the read, older than that removal, would bring the connection back
      List<HandleSlot> slots = new ArrayList<>(batch.size());
      int[] eventsBefore = new int[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        HandleSlot slot = state.pin(batch.get(i));
        slots.add(slot);
        eventsBefore[i] = slot.eventCount;
      }
      return store.readAll(batch).<Void>transform(ar -> {
        try {
          if (ar.failed()) {
            return Future.failedFuture(ar.cause());
          }
          List<ReadResult> results = ar.result();
          for (int i = 0; i < results.size(); i++) {
            ReadResult result = results.get(i);
            if (result.malformed() != null) {
              skipMalformed(MetricNames.MALFORMED_RESYNC, "resync", result.malformed());
            } else if (result.missing() || !result.stored().legacy()) {
              // a connection that exists only as a v1 record has no events to catch up on
              events.resynced(batch.get(i), result.stored(), eventsBefore[i]);
            }
          }
          return Future.succeededFuture();
        } finally {
          slots.forEach(state::unpin);
        }
      });
    });
  }

  /**
   * A stored record past the metadata limits (written by hand, or by an older version) is
   * loaded and reported, never a reason to stop: one too large to read safely was read without
   * its metadata.
   */
  private void reportIfOversized(StoredConnection stored) {
    String past = stored.truncated() ? "too large to read safely: loaded without its metadata"
        : limits.pastLimits(stored.record());
    if (past != null) {
      env.metrics().oversizedRecord();
      env.problems().warn("a stored connection is past the metadata limits; fix or disconnect it",
          "handle " + stored.record().handle() + ": " + past, null);
    }
  }

  private void skipMalformed(String where, String what, MalformedRecordException malformed) {
    env.metrics().malformed(where);
    LOG.warn("{} skipped a malformed connection, left untouched in Redis: {}", what, malformed.getMessage());
  }
}
