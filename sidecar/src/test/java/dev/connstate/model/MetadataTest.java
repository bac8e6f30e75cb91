package dev.connstate.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The compact metadata map behaves as a sorted map, and shares its keys. */
@DisplayName("Metadata")
class MetadataTest {

  @Test
  @DisplayName("10,000 random puts and removes leave the same contents, in the same order, as a TreeMap")
  void behavesLikeASortedMap() {
    Metadata metadata = new Metadata(0);
    Map<String, String> expected = new TreeMap<>();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 10_000; i++) {
      String key = "K" + random.nextInt(40);
      if (random.nextInt(3) == 0) {
        assertThat(metadata.remove(key)).isEqualTo(expected.remove(key));
      } else {
        String value = Integer.toString(i);
        assertThat(metadata.put(key, value)).isEqualTo(expected.put(key, value));
      }
      assertThat(metadata.size()).isEqualTo(expected.size());
    }
    assertThat(metadata).containsExactlyEntriesOf(expected);
    StringBuilder order = new StringBuilder();
    metadata.forEach((k, v) -> order.append(k).append(','));
    assertThat(order.toString()).isEqualTo(String.join(",", expected.keySet()) + (expected.isEmpty() ? "" : ","));
    assertThat(metadata.get("absent")).isNull();
    assertThat(metadata.get(42)).isNull();
  }

  @Test
  @DisplayName("a copy is independent, and keys are the shared instances")
  void copiesAndSharesKeys() {
    Metadata original = new Metadata(2);
    original.put(new String("WIDTH"), "80");
    Metadata copy = original.copy();
    copy.put("WIDTH", "132");
    copy.put("HEIGHT", "40");
    assertThat(original).containsExactly(Map.entry("WIDTH", "80"));
    assertThat(copy).containsExactly(Map.entry("HEIGHT", "40"), Map.entry("WIDTH", "132"));
    Metadata other = new Metadata(1);
    other.put(new String("WIDTH"), "100");
    assertThat(other.keySet().iterator().next()).isSameAs(original.keySet().iterator().next());
  }

  @Test
  @DisplayName("Names stops sharing once full instead of growing without bound")
  void namesAreBounded() {
    String first = Names.canonical(new String("bounded-probe"));
    assertThat(Names.canonical(new String("bounded-probe"))).isSameAs(first);
    for (int i = 0; i < Names.MAX_ENTRIES + 10; i++) {
      Names.canonical("filler-" + i);
    }
    String late = new String("late-" + System.nanoTime());
    assertThat(Names.canonical(late)).isSameAs(late);
    assertThat(Names.canonical(new String(late))).as("not pooled: the pool is full").isNotSameAs(late);
    assertThat(Names.canonical(new String("bounded-probe"))).isSameAs(first);
  }
}
