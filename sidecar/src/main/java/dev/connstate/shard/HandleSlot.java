package dev.connstate.shard;

import dev.connstate.model.ChangeEvent;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.EventType;
import java.util.ArrayDeque;

/**
 * Everything one shard knows about one handle.
 *
 * <p>Two copies of the connection: {@code committed} is Redis's state as of
 * {@code committed.version()}, advanced only in version order (by events, by acknowledged
 * writes whose version is next, or by a re-read); {@code view} is what clients see: committed
 * plus this sidecar's own changes that committed does not hold yet ({@code local}, in send
 * order). Without such changes the two are the same object.
 *
 * <p>While a critical change is in flight the handle is busy: later commands wait in
 * {@code waiting} and run, in order, once it is answered, so every command sees the outcome of
 * the ones before it.
 *
 * <p>A third copy, {@code shown}, is what this sidecar's {@code connstate.events} subscribers
 * hold, as a subscriber following protocol §8.3 would after the load's {@code list} and every
 * event published since: a resync publishes the difference between it and Redis. It is usually
 * the very object {@code committed} is (no extra memory); it becomes a copy of its own only
 * while committed holds changes subscribers have not been told of (this sidecar's own
 * acknowledgements, ahead of their events, or while the subscription is down), and is shared
 * again once their events are published. A connection this sidecar forgot but whose subscribers
 * still see it ({@code shownVersion > 0}, {@code committed == null}) keeps its slot as a
 * tombstone until its {@code disconnected} or {@code expired} is published, by the event or by
 * a resync.
 */
final class HandleSlot {
  final long handle;
  ConnectionRecord committed;
  ConnectionRecord view;
  private ArrayDeque<LocalWrite> local;
  /** The write-behind change waiting for the one in flight; merges later changes. */
  LocalWrite pending;
  /** Write-behind writes sent and not yet answered. */
  int writesInFlight;
  /** A critical change is in flight. */
  boolean busy;
  private ArrayDeque<Runnable> waiting;
  boolean rereading;
  /**
   * Reads in flight whose answer is judged by {@link #eventCount} (a resync's, the audit's):
   * while there are any the slot is kept, so that an event that removes the connection and
   * would otherwise drop the slot, its count with it, still tells that read it was overtaken.
   */
  int pins;
  /** The next re-read takes Redis's state whatever its version: Redis may have lost history. */
  boolean authoritative;
  /**
   * Changes seen for this handle: events received, and this sidecar's own changes Redis
   * acknowledged (their events may come much later). A read during which it moved may predate
   * that change, so it can tell neither that Redis went back nor what subscribers miss: it is
   * repeated.
   */
  int eventCount;
  /**
   * Removal events ({@code disconnected}, {@code expired}) received for this handle, whether or
   * not this shard held the connection: a read during which it moved may predate the removal,
   * and taking it would bring back a connection no event will remove again.
   */
  int removalEvents;
  /** What the shard's indexes hold for this handle, to update them when the view changes. */
  String indexedPlayer;
  ConnectionState indexedState;
  boolean inBacklog;
  /** The v1 document committed was read from, while the connection has no v2 hash yet; else null. */
  String legacyJson;
  /** Highest version published on connstate.events for this connection: each is published once. */
  long lastPublished;
  /** Incremented each time the connection is forgotten, so changes of an earlier incarnation are never resent. */
  int generation;
  /** The version subscribers hold (see the class comment); 0 when they hold no connection. */
  long shownVersion;
  /** {@code connectedAt} of the connection subscribers hold: which life of the handle it is. */
  long shownLife;
  /**
   * The connection subscribers hold, when its content is known (null after they were sent a
   * version gap: they re-read it). May be the same object as {@code committed}, and then only
   * while both are at {@code shownVersion}.
   */
  ConnectionRecord shown;

  HandleSlot(long handle) {
    this.handle = handle;
  }

  /** True if a connection exists as far as clients can tell. */
  boolean live() {
    return view != null;
  }

  /** True if nothing refers to this slot any more and it can be dropped. */
  boolean idle() {
    return view == null && committed == null && lastPublished == 0 && shownVersion == 0 && !busy && !rereading
        && pins == 0 && writesInFlight == 0 && (waiting == null || waiting.isEmpty()) && (local == null || local.isEmpty());
  }

  /** True if some change is not stored in Redis yet (write-behind backlog). */
  boolean hasUnstored() {
    return writesInFlight > 0 || pending != null;
  }

  /**
   * True if this shard's copy claims to be exactly Redis's state: no change of its own waiting,
   * in flight or acknowledged but not yet folded in version order, no step holding the handle,
   * no re-read in flight. Only then can a difference from Redis be a divergence rather than a
   * change on its way (the convergence audit, DESIGN §7).
   */
  boolean quiet() {
    return view == committed && !busy && !rereading && writesInFlight == 0 && pending == null
        && (local == null || local.isEmpty()) && (waiting == null || waiting.isEmpty());
  }

  /** Sets Redis's state as read from a v2 hash or a v1 record. */
  void commit(StoredConnection stored) {
    legacyJson = stored.legacyJson();
    commit(stored.record());
  }

  /** Sets Redis's state as read or created, dropping local changes it already holds. */
  void commit(ConnectionRecord record) {
    committed = record;
    fold();
    rebuildView();
  }

  /**
   * Takes Redis's state whatever its version (a failover may have lost history): acknowledged
   * local changes it does not hold were lost with that history and are dropped; changes not yet
   * acknowledged stay, and are still shown.
   */
  void replace(StoredConnection stored) {
    legacyJson = stored.legacyJson();
    committed = stored.record();
    if (local != null) {
      local.removeIf(write -> write.version != 0);
    }
    rebuildView();
  }

  /** Adds a local change not yet acknowledged, and shows it in the view. */
  void addLocal(LocalWrite write) {
    if (local == null) {
      local = new ArrayDeque<>(2);
    }
    local.add(write);
    separateView();
    view.apply(write.change, write.at);
  }

  /** Adds a change Redis acknowledged at {@code write.version}, and shows it in the view. */
  void addAcknowledged(LocalWrite write) {
    addLocal(write);
    acknowledged(write);
  }

  /** Records that Redis stored a local change at {@code version}. */
  void acknowledged(LocalWrite write) {
    ownChangeStored();
    if (view != null && write.version > view.version()) {
      view.version(write.version);
    }
    fold();
  }

  /**
   * Redis stored a change this sidecar made (its answer came; its event may come later):
   * counted with the events, so that a read in flight meanwhile, which may predate the change,
   * is not taken for Redis going back (or a connection gone, or come back).
   */
  void ownChangeStored() {
    eventCount++;
  }

  /**
   * Removes a local change from the list without touching the view: its values now travel in
   * an earlier write it was merged into.
   */
  void forget(LocalWrite write) {
    if (local != null) {
      local.remove(write);
    }
  }

  /**
   * Forgets the connection: it no longer exists in Redis. What subscribers were shown stays
   * until they are told it is gone.
   */
  void clear() {
    generation++;
    // a gone connection is told as gone whatever its content: keep only its version and life
    shown = null;
    legacyJson = null;
    lastPublished = 0;
    committed = null;
    view = null;
    local = null;
    pending = null;
  }

  /**
   * Moves acknowledged local changes into committed while their version is the next one, and
   * drops those committed already holds (an event brought them first).
   */
  void fold() {
    if (committed == null || local == null) {
      return;
    }
    while (!local.isEmpty()) {
      LocalWrite next = local.peek();
      if (next.version == 0) {
        break;
      }
      if (next.version <= committed.version()) {
        local.poll();
      } else if (next.version == committed.version() + 1) {
        detachShown();
        committed.apply(next.change, next.at);
        committed.version(next.version);
        local.poll();
      } else {
        break;
      }
    }
    if (local.isEmpty()) {
      view = committed;
    }
  }

  /** Recomputes the view as committed plus every local change, after committed changed. */
  void rebuildView() {
    if (committed == null || local == null || local.isEmpty()) {
      view = committed;
      return;
    }
    view = committed.copy();
    for (LocalWrite write : local) {
      view.apply(write.change, write.at);
      if (write.version > view.version()) {
        view.version(write.version);
      }
    }
  }

  /** Local changes Redis has not acknowledged yet, oldest first. */
  java.util.List<LocalWrite> unacknowledged() {
    java.util.List<LocalWrite> out = new java.util.ArrayList<>();
    if (local != null) {
      for (LocalWrite write : local) {
        if (write.version == 0) {
          out.add(write);
        }
      }
    }
    return out;
  }

  /** Queues a command behind the critical change in flight. */
  void await(Runnable command) {
    if (waiting == null) {
      waiting = new ArrayDeque<>(2);
    }
    waiting.add(command);
  }

  /** The next waiting command, or null. */
  Runnable nextWaiting() {
    return waiting == null ? null : waiting.poll();
  }

  /**
   * Subscribers now hold {@code record} at its version, as a resync, an adoption or a startup
   * load showed it to them (null: they hold no connection).
   */
  void shownAs(ConnectionRecord record) {
    shown = record;
    shownVersion = record == null ? 0 : record.version();
    shownLife = record == null ? 0 : record.connectedAt();
  }

  /**
   * Records what a subscriber following protocol §8.3 does with an event this sidecar published
   * in the normal course (not a resync): {@code registered} replaces its copy; a removal of the
   * next version drops it; the next version of other types is merged; an older version is
   * ignored; a gap makes it re-read the connection, so it then holds this sidecar's view, whose
   * content is not tracked here.
   */
  void shownEvent(ChangeEvent event) {
    long version = event.version();
    if (event.type() == EventType.REGISTERED) {
      ConnectionRecord created = event.createdConnection();
      // the same connection as committed at that version: share it rather than keep a copy
      boolean same = committed != null && committed.version() == version
          && committed.connectedAt() == created.connectedAt();
      shownAs(same ? committed : created);
      return;
    }
    if (shownVersion > 0 && version <= shownVersion) {
      return;
    }
    if (shownVersion > 0 && version == shownVersion + 1) {
      if (event.type().removes()) {
        shownAs(null);
      } else if (committed != null && committed.version() == version && committed.connectedAt() == shownLife) {
        shown = committed;
        shownVersion = version;
      } else if (shown != null && shown != committed) {
        shown.apply(event.fieldChange(), event.at());
        shown.version(version);
        shownVersion = version;
      } else {
        shown = null;
        shownVersion = version;
      }
      return;
    }
    // a gap (or a connection they did not hold): the subscriber re-reads it and gets the view
    if (view == null) {
      shownAs(null);
    } else {
      shown = null;
      shownVersion = version;
      shownLife = view.connectedAt();
    }
  }

  /**
   * Committed is about to change in place to a version subscribers have not been shown: they
   * keep their own copy of the one they hold.
   */
  void detachShown() {
    if (shown != null && shown == committed) {
      shown = committed.copy();
    }
  }

  private void separateView() {
    if (view == committed && committed != null) {
      view = committed.copy();
    }
  }
}
