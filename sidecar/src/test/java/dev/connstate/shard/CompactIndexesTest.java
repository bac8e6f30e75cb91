package dev.connstate.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shard's compact indexes (issue 15: heap per connection) behave exactly as the
 * {@code HashMap} and {@code HashSet}s they replace, through random changes that grow, shrink
 * and wrap their tables.
 */
@DisplayName("A shard's compact indexes")
class CompactIndexesTest {

  @Test
  @DisplayName("slots by handle: 200,000 random creates and removes leave the same slots as a HashMap")
  void handleSlotsBehaveLikeAMap() {
    HandleSlots slots = new HandleSlots();
    Map<Long, HandleSlot> expected = new HashMap<>();
    Random random = new Random(15);
    for (int i = 0; i < 200_000; i++) {
      // clustered handles (consecutive, as a server gives them) and scattered ones
      long handle = random.nextBoolean() ? random.nextInt(3_000) : random.nextLong();
      if (random.nextInt(3) == 0) {
        HandleSlot slot = expected.remove(handle);
        if (slot != null) {
          slots.remove(slot);
        }
      } else {
        HandleSlot slot = slots.getOrCreate(handle);
        assertThat(expected.computeIfAbsent(handle, h -> slot)).isSameAs(slot);
      }
      if (i % 1_000 == 0) {
        assertThat(slots.size()).isEqualTo(expected.size());
        for (Map.Entry<Long, HandleSlot> e : expected.entrySet()) {
          assertThat(slots.get(e.getKey())).isSameAs(e.getValue());
        }
      }
      assertThat(slots.get(handle)).isSameAs(expected.get(handle));
    }
    assertThat(new HashSet<>(slots.values())).isEqualTo(new HashSet<>(expected.values()));
    for (HandleSlot slot : new ArrayList<>(expected.values())) {
      slots.remove(slot);
      slots.remove(slot);
    }
    assertThat(slots.size()).isZero();
    assertThat(slots.values()).isEmpty();
  }

  @Test
  @DisplayName("slots by handle: a change while iterating is refused, not silently skipped")
  void handleSlotsFailFast() {
    HandleSlots slots = new HandleSlots();
    slots.getOrCreate(1);
    slots.getOrCreate(2);
    assertThatThrownBy(() -> {
      for (HandleSlot slot : slots.values()) {
        slots.getOrCreate(slot.handle + 100);
      }
    }).isInstanceOf(ConcurrentModificationException.class);
  }

  @Test
  @DisplayName("handles by player: random binds and unbinds, a few players with many handles, leave the same "
      + "handles as a HashSet per player")
  void playerHandlesBehaveLikeSets() {
    PlayerHandles index = new PlayerHandles();
    Map<Integer, Set<Long>> expected = new HashMap<>();
    Random random = new Random(16);
    for (int i = 0; i < 100_000; i++) {
      int number = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(5_000);
      long handle = random.nextInt(40);
      if (random.nextBoolean()) {
        index.add(number, handle);
        expected.computeIfAbsent(number, n -> new HashSet<>()).add(handle);
      } else {
        index.remove(number, handle);
        Set<Long> handles = expected.get(number);
        if (handles != null) {
          handles.remove(handle);
          if (handles.isEmpty()) {
            expected.remove(number);
          }
        }
      }
      assertThat(handlesOf(index, number)).isEqualTo(expected.getOrDefault(number, Set.of()));
    }
    for (int number = 0; number < 5_000; number++) {
      assertThat(handlesOf(index, number)).isEqualTo(expected.getOrDefault(number, Set.of()));
    }
  }

  private static Set<Long> handlesOf(PlayerHandles index, int number) {
    List<Long> out = new ArrayList<>();
    index.forEach(number, out::add);
    assertThat(out).doesNotHaveDuplicates();
    return new HashSet<>(out);
  }
}
