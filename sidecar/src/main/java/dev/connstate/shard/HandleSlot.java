package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
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
  /** The next re-read takes Redis's state whatever its version: Redis may have lost history. */
  boolean authoritative;
  /** Events received for this handle: a read that saw it change while in flight is repeated. */
  int eventCount;
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

  HandleSlot(long handle) {
    this.handle = handle;
  }

  /** True if a connection exists as far as clients can tell. */
  boolean live() {
    return view != null;
  }

  /** True if nothing refers to this slot any more and it can be dropped. */
  boolean idle() {
    return view == null && committed == null && lastPublished == 0 && !busy && !rereading && writesInFlight == 0
        && (waiting == null || waiting.isEmpty()) && (local == null || local.isEmpty());
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
    if (view != null && write.version > view.version()) {
      view.version(write.version);
    }
    fold();
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

  /** Forgets the connection: it no longer exists in Redis. */
  void clear() {
    generation++;
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

  private void separateView() {
    if (view == committed && committed != null) {
      view = committed.copy();
    }
  }
}
