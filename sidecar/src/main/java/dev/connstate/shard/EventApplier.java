package dev.connstate.shard;

import dev.connstate.model.ChangeEvent;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.EventType;
import dev.connstate.ops.MetricNames;
import dev.connstate.protocol.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies change events from the Redis channel to one shard's copies, in version order, and
 * republishes each on {@code connstate.events} exactly once (DESIGN §2, §5).
 *
 * <p>The channel delivers one handle's events in the order Redis applied them, so an event
 * whose version is not the next one means events were missed (or the handle is unknown here):
 * the handle is then re-read from Redis on the shard's connection, which answers after every
 * write this shard sent before, so the re-read state plus the still-unanswered local changes
 * is exactly what clients should see.
 */
final class EventApplier {
  /** Reads of one handle a resync makes while events keep overtaking them, before it takes the last. */
  private static final int MAX_RESYNC_READS = 5;

  /** How many handles {@link #toldGone} remembers at most (the oldest go first). */
  private static final int TOLD_GONE_MAX = 65_536;

  private final ShardState state;
  private final ConnectionStore store;
  /**
   * Handles a resync or the audit told subscribers gone, with the version its {@code disconnected}
   * carried (one more than they held): the events of that life still on their way (the removal's
   * own, typically, read by the resync before it arrived) are not published after it.
   */
  private final Map<Long, Long> toldGone = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > TOLD_GONE_MAX;
    }
  };
  private final EventBus eventBus;
  private final ShardEnvironment env;

  EventApplier(ShardState state, ConnectionStore store, EventBus eventBus, ShardEnvironment env) {
    this.state = state;
    this.store = store;
    this.eventBus = eventBus;
    this.env = env;
  }

  /**
   * Applies one event and publishes it on connstate.events. An event no newer than one already
   * published for its handle means Redis's history went back (a failover lost writes) or a
   * resync published that version already: either way the handle is re-read, and Redis's state
   * taken whatever its version.
   */
  void apply(ChangeEvent event) {
    env.metrics().eventReceived(env.ownOrigin(event.origin()));
    HandleSlot slot = state.get(event.handle());
    if (slot != null) {
      slot.eventCount++;
      if (event.type().removes()) {
        // a read out for this handle holds its slot (rereading, busy, pinned): it sees this count move
        slot.removalEvents++;
      }
      if (event.type() != EventType.REGISTERED && event.version() <= slot.lastPublished) {
        reread(event.handle(), MetricNames.REREAD_BEHIND, true);
        return;
      }
    } else {
      // counted on a new slot too: a resync read of a handle unknown until now must see that an
      // event overtook it
      state.getOrCreate(event.handle()).eventCount++;
    }
    if (toldGoneAlready(event)) {
      if (!event.type().removes()) {
        // of the life that is over, as far as can be told (events carry no life): should Redis
        // hold the handle after all, a re-read brings this sidecar's copy up to date
        reread(event.handle(), MetricNames.REREAD_GAP);
      }
      state.reindex(state.getOrCreate(event.handle()));
      return;
    }
    boolean fresh = publishable(event.handle(), event.version(), event.type() == EventType.REGISTERED);
    if (!applyInOrder(event)) {
      reread(event.handle(), MetricNames.REREAD_GAP);
    }
    if (fresh) {
      publish(event.json());
      HandleSlot target = state.getOrCreate(event.handle());
      target.shownEvent(event);
      if (event.type().removes() && target.shownVersion == 0) {
        // subscribers were told it is gone: nothing left to deduplicate, the slot may go
        target.lastPublished = 0;
      }
      state.reindex(target);
    }
  }

  /**
   * True if subscribers were told by a resync or the audit that the handle is gone, at this
   * event's version or a later one, and hold nothing of it since: the event belongs to the life
   * they were told is over, and is not published. A {@code registered} event starts a new life.
   */
  private boolean toldGoneAlready(ChangeEvent event) {
    Long told = toldGone.get(event.handle());
    if (told == null) {
      return false;
    }
    HandleSlot slot = state.get(event.handle());
    boolean holdsNothing = slot == null || slot.committed == null && slot.shownVersion == 0;
    if (event.type() == EventType.REGISTERED || event.version() >= told || !holdsNothing) {
      toldGone.remove(event.handle());
    }
    return event.type() != EventType.REGISTERED && event.version() <= told && holdsNothing;
  }

  /**
   * True if {@code version} of the handle has not been published yet (a resync may have
   * published it first), and records it. A {@code registered} event starts a new connection.
   */
  private boolean publishable(long handle, long version, boolean registered) {
    HandleSlot slot = state.get(handle);
    long last = slot == null ? 0 : slot.lastPublished;
    if (!registered && version <= last) {
      return false;
    }
    HandleSlot target = slot != null ? slot : state.getOrCreate(handle);
    target.lastPublished = version;
    return true;
  }

  /** Publishes a change event on connstate.events. */
  void publish(JsonObject event) {
    eventBus.publish(Addresses.EVENTS, event);
    env.metrics().eventPublished();
  }

  /**
   * Makes the committed state of one handle what Redis holds now, after events were missed, and
   * publishes what subscribers have not seen as one event (marked {@code resync}, protocol
   * §8.2a). What they have seen is {@link HandleSlot#shown}, not committed: this sidecar's own
   * acknowledged changes advance committed (and its own disconnect forgets the connection) while
   * no event can arrive, and its subscribers learn of those only from events. So, against what
   * they hold: gone in Redis, {@code disconnected}; a connection they do not hold, one of another
   * life (another {@code connectedAt}) or of a lower version than theirs (Redis lost history),
   * {@code registered} with every field, which a subscriber takes whatever its version; a newer
   * version, the difference (or the whole connection when theirs is not known); the same
   * version with other content (history lost), {@code registered} too: an {@code updated} at a
   * version they hold would be ignored. A read that an event or an acknowledgement of this
   * sidecar's own change overtook ({@link HandleSlot#eventCount}) may predate that change, so it
   * is never taken for Redis going back.
   */
  void resynced(long handle, StoredConnection read, int eventsBefore) {
    resynced(handle, read, eventsBefore, 1);
  }

  private void resynced(long handle, StoredConnection read, int eventsBefore, int attempt) {
    HandleSlot slot = state.get(handle);
    ConnectionRecord stored = read == null ? null : read.record();
    ConnectionRecord before = slot == null ? null : slot.committed;
    // an event arrived while the read was in flight: the read may predate it, so it can tell
    // neither that Redis went back nor what subscribers miss; the handle is read once more (a
    // few times at most: on a handle that never rests, the last read is taken, as any re-read)
    boolean raced = slot != null && slot.eventCount != eventsBefore;
    if (raced && attempt < MAX_RESYNC_READS) {
      resyncAgain(handle, attempt + 1);
      return;
    }
    if (raced && stored != null && slot.shownVersion > 0 && stored.connectedAt() == slot.shownLife
        && stored.version() < slot.shownVersion) {
      // the last read still predates what subscribers were shown: it has nothing to tell them
      // (if Redis did go back, the next event, no newer than one published, re-reads it)
      state.reindex(slot);
      return;
    }
    boolean lost = false;
    if (!raced && stored != null && before != null && stored.connectedAt() == before.connectedAt()
        && stored.version() <= before.version() && !stored.toJson().equals(before.toJson())) {
      historyLost(slot, read);
      lost = true;
    } else if (stored == null) {
      if (before != null && !slot.busy) {
        state.remove(slot);
      }
    } else if (before == null || stored.connectedAt() != before.connectedAt()) {
      slot = state.getOrCreate(handle);
      // a new life counts its versions from 1 again (unless subscribers were shown it already)
      slot.lastPublished = slot.shownVersion > 0 && slot.shownLife == stored.connectedAt() ? slot.shownVersion : 0;
      slot.commit(read);
    } else if (stored.version() > before.version()) {
      slot.commit(read);
    }
    if (slot == null) {
      return;
    }
    JsonObject event = catchUp(slot, stored, lost);
    if (event != null) {
      env.metrics().resyncEvent();
      publish(event);
    }
    state.reindex(slot);
  }

  /**
   * The resync event that brings subscribers from what they hold to {@code stored} (null: gone),
   * or null when they hold it already; records that they now hold it.
   */
  private JsonObject catchUp(HandleSlot slot, ConnectionRecord stored, boolean lost) {
    String origin = env.config().instanceId();
    long seen = slot.shownVersion;
    JsonObject event = null;
    if (stored == null) {
      if (seen > 0) {
        event = ResyncEvents.disconnected(slot.handle, seen, origin, System.currentTimeMillis());
      }
    } else if (seen == 0 || stored.connectedAt() != slot.shownLife || stored.version() < seen) {
      event = ResyncEvents.registered(stored, origin);
    } else if (stored.version() > seen) {
      event = slot.shown != null ? ResyncEvents.changed(slot.shown, stored, origin)
          : ResyncEvents.snapshot(stored, origin);
    } else if (lost) {
      // the version subscribers hold, with other content (a failover gave it again): an updated
      // event at that version would be ignored by them (protocol §8.3 rule 3); registered
      // replaces their copy whatever its version (rule 1)
      event = ResyncEvents.registered(stored, origin);
    }
    if (event == null) {
      return null;
    }
    if (stored == null) {
      slot.shownAs(null);
      // subscribers were told it is gone: the slot may go; the events of that life still on
      // their way are recognised by toldGone
      slot.lastPublished = 0;
      toldGone.put(slot.handle, event.getLong("version"));
    } else {
      // shared with committed when that is what Redis holds, else the read's own copy
      slot.shownAs(slot.committed != null && slot.committed.version() == stored.version()
          && slot.committed.connectedAt() == stored.connectedAt() ? slot.committed : stored);
      // this version is published now; what was published before belongs to what it replaced
      slot.lastPublished = stored.version();
    }
    return event;
  }

  /** Reads a handle again for a resync whose read an event overtook, and catches up from that read. */
  private void resyncAgain(long handle, int attempt) {
    // pinned for the same reason as the resync's first read (ShardLoader#resync)
    HandleSlot slot = state.pin(handle);
    int eventsBefore = slot.eventCount;
    env.metrics().reread(MetricNames.REREAD_RESYNC);
    store.read(handle, null).onComplete(ar -> {
      try {
        if (ar.succeeded()) {
          resynced(handle, ar.result(), eventsBefore, attempt);
        } else {
          env.metrics().redisWriteFailure(MetricNames.PATH_REREAD, FailureReasons.of(ar.cause()));
          env.problems().warn("re-reading a connection for a resync failed; a new resync runs when Redis is back",
              "handle " + handle, ar.cause());
        }
      } finally {
        state.unpin(slot);
      }
    });
  }

  /**
   * The convergence audit found this handle's copy to differ from what Redis holds (null: no
   * such connection), while nothing of this sidecar's own was under way for it and no event
   * explained the difference. Redis's state becomes the committed one and the view, whatever its
   * version (a copy that went wrong cannot be trusted to be the newer one), and subscribers get
   * it as a {@code "resync": true} event: they too followed the copy that went wrong.
   */
  void adopt(long handle, StoredConnection read) {
    HandleSlot slot = state.get(handle);
    ConnectionRecord before = slot == null ? null : slot.committed;
    String origin = env.config().instanceId();
    JsonObject event;
    if (read == null) {
      if (before == null || slot.busy) {
        return;
      }
      event = ResyncEvents.disconnected(handle, slot.shownVersion > 0 ? slot.shownVersion : before.version(), origin,
          System.currentTimeMillis());
      state.remove(slot);
      slot = state.getOrCreate(handle);
    } else {
      ConnectionRecord stored = read.record();
      slot = slot != null ? slot : state.getOrCreate(handle);
      boolean newer = slot.shownVersion > 0 && stored.connectedAt() == slot.shownLife
          && stored.version() > slot.shownVersion;
      slot.replace(read);
      // only a version above the one subscribers hold is applied as an update (protocol §8.3);
      // the same or a lower version with other content must replace their copy: registered
      event = newer ? ResyncEvents.snapshot(stored, origin) : ResyncEvents.registered(stored, origin);
    }
    // published whatever was published before: the version may be one subscribers saw with other content
    slot.lastPublished = event.getLong("version");
    slot.shownAs(read == null ? null : slot.committed);
    if (read == null) {
      slot.lastPublished = 0;
      toldGone.put(handle, event.getLong("version"));
    }
    state.reindex(slot);
    env.metrics().resyncEvent();
    publish(event);
  }

  /** Applies the event if it is the next version; false if the handle must be re-read instead. */
  private boolean applyInOrder(ChangeEvent event) {
    HandleSlot slot = state.get(event.handle());
    if (event.type() == EventType.REGISTERED) {
      return applyRegistered(slot, event);
    }
    if (slot == null || slot.committed == null) {
      return event.type().removes();
    }
    if (event.version() > slot.committed.version() + 1) {
      slot.fold();
    }
    long committed = slot.committed.version();
    if (event.version() <= committed) {
      return true;
    }
    if (event.version() != committed + 1) {
      return false;
    }
    if (event.type().removes()) {
      state.remove(slot);
      return true;
    }
    slot.committed.apply(event.fieldChange(), event.at());
    slot.committed.version(event.version());
    slot.fold();
    slot.rebuildView();
    state.reindex(slot);
    return true;
  }

  private boolean applyRegistered(HandleSlot slot, ChangeEvent event) {
    ConnectionRecord created = event.createdConnection();
    if (slot == null || slot.committed == null) {
      HandleSlot target = state.getOrCreate(event.handle());
      target.commit(created);
      state.reindex(target);
      return true;
    }
    return event.version() <= slot.committed.version() && slot.committed.connectedAt() == created.connectedAt();
  }

  /** Reads the handle from Redis again and makes that the committed state if it is newer. */
  void reread(long handle, String reason) {
    reread(handle, reason, false);
  }

  /**
   * Reads the handle from Redis again. {@code authoritative}: takes Redis's state whatever its
   * version, and reads again if an event arrived while the read was in flight (the read may
   * predate it), so the handle ends as Redis holds it.
   */
  void reread(long handle, String reason, boolean authoritative) {
    HandleSlot slot = state.getOrCreate(handle);
    slot.authoritative |= authoritative;
    if (slot.rereading) {
      return;
    }
    slot.rereading = true;
    env.metrics().reread(reason);
    int eventsBefore = slot.eventCount;
    int removals = slot.removalEvents;
    store.read(handle, null).onComplete(ar -> {
      slot.rereading = false;
      boolean again = false;
      if (ar.failed()) {
        env.metrics().redisWriteFailure(MetricNames.PATH_REREAD, FailureReasons.of(ar.cause()));
        env.problems().warn("re-reading a connection from Redis failed", "handle " + handle, ar.cause());
      } else if (slot.removalEvents != removals) {
        // its removal's event arrived while the read was out: the read may predate the removal
        // and would bring the connection back (the other events say what it is now; read again)
        env.metrics().reread(MetricNames.REREAD_OVERTAKEN);
        again = true;
      } else if (slot.authoritative && slot.eventCount != eventsBefore) {
        // an event arrived while the read was in flight: the read may predate that change (it
        // travels on another connection), so it cannot tell whether Redis went back; read again
        again = true;
      } else {
        reread(slot, ar.result());
        slot.authoritative = false;
      }
      state.reindex(slot);
      if (again) {
        reread(handle, reason, true);
      }
    });
  }

  private void reread(HandleSlot slot, StoredConnection stored) {
    if (stored == null) {
      if (!slot.busy) {
        state.remove(slot);
      }
      return;
    }
    if (stored.legacy()) {
      env.metrics().legacyRead();
    }
    ConnectionRecord record = stored.record();
    if (slot.authoritative && slot.committed != null && record.connectedAt() == slot.committed.connectedAt()
        && record.version() <= slot.committed.version() && !record.toJson().equals(slot.committed.toJson())) {
      wentBack(slot, stored);
    } else if (slot.committed == null || record.version() > slot.committed.version()
        || record.connectedAt() != slot.committed.connectedAt()) {
      slot.commit(stored);
    }
  }

  /**
   * Redis holds an older version than this sidecar, or the same version with other content: a
   * failover lost the later writes (and the versions were given again). Redis's state is taken,
   * versions count on from it, and subscribers get it as a resync snapshot when it is newer than
   * what they hold, else as {@code registered}, which they take whatever its version.
   */
  private void wentBack(HandleSlot slot, StoredConnection stored) {
    long seen = slot.shownVersion;
    long seenLife = slot.shownLife;
    historyLost(slot, stored);
    ConnectionRecord now = stored.record();
    slot.shownAs(slot.committed);
    env.metrics().resyncEvent();
    // a version subscribers hold already (an older one, or the same with other content) would
    // be ignored by them (protocol §8.3): a registered event replaces their copy whatever its version
    publish(now.version() <= seen || now.connectedAt() != seenLife
        ? ResyncEvents.registered(now, env.config().instanceId())
        : ResyncEvents.snapshot(now, env.config().instanceId()));
  }

  /**
   * Takes Redis's state, older than this sidecar's (writes lost in a failover): counted and
   * reported; versions count on from it.
   */
  private void historyLost(HandleSlot slot, StoredConnection stored) {
    env.metrics().historyLost();
    env.problems().warn("Redis holds an older version of a connection than this sidecar did (writes lost in a "
        + "failover); taking Redis's", "handle " + slot.handle + ": version " + slot.committed.version() + " here, "
        + stored.record().version() + " in Redis", null);
    slot.replace(stored);
    slot.lastPublished = stored.record().version();
  }
}
