package dev.connstate.shard;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One shard's slots by handle: an open-addressing table of the slots themselves (a slot knows
 * its handle), linear probing, at most three quarters full. About 6 bytes a handle where a
 * {@code HashMap<Long, HandleSlot>} took about 55 (an entry and a boxed key each). Confined to
 * the shard's event loop; its {@link #values()} view fails fast if the table changes while it
 * is iterated.
 */
final class HandleSlots {
  private static final int MIN_CAPACITY = 16;

  private HandleSlot[] table = new HandleSlot[MIN_CAPACITY];
  private int size;
  private int changes;

  /** The table position where {@code handle} is or would go first: Fibonacci hashing, high bits. */
  private int home(long handle) {
    return (int) ((handle * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(table.length)));
  }

  HandleSlot get(long handle) {
    int mask = table.length - 1;
    for (int i = home(handle); ; i = (i + 1) & mask) {
      HandleSlot slot = table[i];
      if (slot == null || slot.handle == handle) {
        return slot;
      }
    }
  }

  HandleSlot getOrCreate(long handle) {
    HandleSlot found = get(handle);
    if (found != null) {
      return found;
    }
    if (4 * (size + 1) > 3 * table.length) {
      resize(table.length * 2);
    }
    HandleSlot slot = new HandleSlot(handle);
    insert(table, slot);
    size++;
    changes++;
    return slot;
  }

  /** Removes {@code slot} if it is the one held for its handle. */
  void remove(HandleSlot slot) {
    int mask = table.length - 1;
    int i = home(slot.handle);
    while (table[i] != slot) {
      if (table[i] == null) {
        return;
      }
      i = (i + 1) & mask;
    }
    // backward-shift deletion: move later entries of the probe run into the gap, so that no
    // lookup stops early at it
    int gap = i;
    for (int j = (gap + 1) & mask; table[j] != null; j = (j + 1) & mask) {
      int h = home(table[j].handle);
      // the entry at j may move to the gap only if its home is not in (gap, j], cyclically
      boolean movable = gap <= j ? h <= gap || h > j : h <= gap && h > j;
      if (movable) {
        table[gap] = table[j];
        gap = j;
      }
    }
    table[gap] = null;
    size--;
    changes++;
    if (table.length > MIN_CAPACITY && 8 * size < table.length) {
      resize(table.length / 2);
    }
  }

  int size() {
    return size;
  }

  private void resize(int capacity) {
    HandleSlot[] old = table;
    table = new HandleSlot[capacity];
    for (HandleSlot slot : old) {
      if (slot != null) {
        insert(table, slot);
      }
    }
  }

  private void insert(HandleSlot[] into, HandleSlot slot) {
    int mask = into.length - 1;
    int i = home(slot.handle);
    while (into[i] != null) {
      i = (i + 1) & mask;
    }
    into[i] = slot;
  }

  /** Every slot, in no particular order; the table must not change while it is iterated. */
  Collection<HandleSlot> values() {
    return new AbstractCollection<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<HandleSlot> iterator() {
        return new Iterator<>() {
          private final HandleSlot[] over = table;
          private final int expected = changes;
          private int next = advance(0);

          private int advance(int from) {
            int i = from;
            while (i < over.length && over[i] == null) {
              i++;
            }
            return i;
          }

          @Override
          public boolean hasNext() {
            return next < over.length;
          }

          @Override
          public HandleSlot next() {
            if (changes != expected) {
              throw new ConcurrentModificationException("a shard's slots changed while they were iterated");
            }
            if (next >= over.length) {
              throw new NoSuchElementException();
            }
            HandleSlot slot = over[next];
            next = advance(next + 1);
            return slot;
          }
        };
      }
    };
  }
}
