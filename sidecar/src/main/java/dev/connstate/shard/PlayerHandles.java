package dev.connstate.shard;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * One shard's index of handles by player number, for {@code by-player} reads. A player nearly
 * always has one or a few connections: up to {@link #SMALL} handles are kept in an exact-size
 * {@code long[]} (24 bytes for one, where a set of its own took about 160); beyond that a hash
 * set, so that a player bound to very many connections costs no more than linear memory and
 * constant time per change. Confined to the shard's event loop.
 */
final class PlayerHandles {
  private static final int SMALL = 16;

  /** Per player number: a {@code long[]} of at most {@link #SMALL} handles, or a {@code Set<Long>}. */
  private final Map<Integer, Object> byNumber = new HashMap<>();

  void add(int number, long handle) {
    Object handles = byNumber.get(number);
    if (handles == null) {
      byNumber.put(number, new long[] {handle});
    } else if (handles instanceof long[] small) {
      for (long h : small) {
        if (h == handle) {
          return;
        }
      }
      if (small.length < SMALL) {
        long[] grown = java.util.Arrays.copyOf(small, small.length + 1);
        grown[small.length] = handle;
        byNumber.put(number, grown);
      } else {
        Set<Long> large = new HashSet<>();
        for (long h : small) {
          large.add(h);
        }
        large.add(handle);
        byNumber.put(number, large);
      }
    } else {
      set(handles).add(handle);
    }
  }

  void remove(int number, long handle) {
    Object handles = byNumber.get(number);
    if (handles instanceof long[] small) {
      int at = -1;
      for (int i = 0; i < small.length; i++) {
        if (small[i] == handle) {
          at = i;
          break;
        }
      }
      if (at < 0) {
        return;
      }
      if (small.length == 1) {
        byNumber.remove(number);
        return;
      }
      long[] shrunk = new long[small.length - 1];
      System.arraycopy(small, 0, shrunk, 0, at);
      System.arraycopy(small, at + 1, shrunk, at, small.length - at - 1);
      byNumber.put(number, shrunk);
    } else if (handles != null) {
      Set<Long> large = set(handles);
      large.remove(handle);
      if (large.isEmpty()) {
        byNumber.remove(number);
      }
    }
  }

  /** Calls {@code action} with every handle indexed under {@code number}; it must not change the index. */
  void forEach(int number, LongConsumer action) {
    Object handles = byNumber.get(number);
    if (handles instanceof long[] small) {
      for (long h : small) {
        action.accept(h);
      }
    } else if (handles != null) {
      set(handles).forEach(action::accept);
    }
  }

  @SuppressWarnings("unchecked")
  private static Set<Long> set(Object handles) {
    return (Set<Long>) handles;
  }
}
