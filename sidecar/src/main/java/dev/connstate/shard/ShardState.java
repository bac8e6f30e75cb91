package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.PlayerRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The handles one shard owns, with the indexes reads need: handles by player number; and this
 * shard's part of the {@link ShardTotals} (connections by state, handles with unstored
 * changes). Confined to the shard's event loop.
 */
final class ShardState {
  private final HandleSlots slots = new HandleSlots();
  private final PlayerHandles byPlayerNumber = new PlayerHandles();
  private final ShardTotals totals;

  ShardState(ShardTotals totals) {
    this.totals = totals;
  }

  HandleSlot get(long handle) {
    return slots.get(handle);
  }

  HandleSlot getOrCreate(long handle) {
    return slots.getOrCreate(handle);
  }

  /** The live view of {@code handle}, or null. */
  ConnectionRecord view(long handle) {
    HandleSlot slot = slots.get(handle);
    return slot == null ? null : slot.view;
  }

  Collection<HandleSlot> slots() {
    return slots.values();
  }

  /**
   * The handle's slot, kept until {@link #unpin} however the events that arrive meanwhile change
   * it: for a read whose answer must be compared with the events it overlapped.
   */
  HandleSlot pin(long handle) {
    HandleSlot slot = getOrCreate(handle);
    slot.pins++;
    return slot;
  }

  /** Ends a {@link #pin}: the slot goes if nothing else refers to it. */
  void unpin(HandleSlot slot) {
    slot.pins--;
    dropIfIdle(slot);
  }

  /** Drops the slot if nothing refers to it any more. */
  void dropIfIdle(HandleSlot slot) {
    if (slot.idle()) {
      slots.remove(slot);
    }
  }

  /** The totals over every shard, this one's part included. */
  ShardTotals totals() {
    return totals;
  }

  /** Brings the indexes, counts and backlog up to date with the slot's view. Call after every change. */
  void reindex(HandleSlot slot) {
    ConnectionRecord view = slot.view;
    String player = view == null ? null : view.playerRef();
    ConnectionState state = view == null ? null : view.state();
    if (!java.util.Objects.equals(player, slot.indexedPlayer)) {
      if (slot.indexedPlayer != null) {
        byPlayerNumber.remove(number(slot.indexedPlayer), slot.handle);
      }
      if (player != null) {
        byPlayerNumber.add(number(player), slot.handle);
      }
      slot.indexedPlayer = player;
    }
    if (state != slot.indexedState) {
      if (slot.indexedState != null) {
        totals.connectionsChanged(slot.indexedState, -1);
      }
      if (state != null) {
        totals.connectionsChanged(state, 1);
      }
      slot.indexedState = state;
    }
    boolean unstored = slot.hasUnstored();
    if (unstored != slot.inBacklog) {
      totals.pendingHandlesChanged(unstored ? 1 : -1);
      slot.inBacklog = unstored;
    }
    dropIfIdle(slot);
  }

  /** Forgets the slot's connection (gone from Redis) and updates the indexes. */
  void remove(HandleSlot slot) {
    slot.clear();
    reindex(slot);
  }

  /** Handles whose view is bound to a player {@code ref} selects, in no particular order. */
  List<Long> handlesOf(PlayerRef ref) {
    List<Long> out = new ArrayList<>();
    byPlayerNumber.forEach(ref.number(), handle -> {
      ConnectionRecord view = view(handle);
      if (view != null && view.playerRef() != null && ref.selects(PlayerRef.parse(view.playerRef()))) {
        out.add(handle);
      }
    });
    return out;
  }

  private static int number(String playerRef) {
    return PlayerRef.parse(playerRef).number();
  }
}
