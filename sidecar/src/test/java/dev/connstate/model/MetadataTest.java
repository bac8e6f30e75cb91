package dev.connstate.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The compact metadata map behaves as a sorted map, keeps every value exactly, and shares its keys. */
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
  @DisplayName("values of any length and characters (ISO-8859-1, wider, surrogate pairs, a lone surrogate, empty) "
      + "come back exactly through random puts, replaces and removes; UTF-8 bytes and characters counted as the strings")
  void keepsEveryValueExactly() {
    String[] values = {"", "80", "1770999401000", "Zoë, café", "日本語のクライアント", "emoji \uD83D\uDE00 ok",
        "lone \uD800 surrogate", "x".repeat(300), "\u00FF\u0100"};
    Metadata metadata = new Metadata(0);
    Map<String, String> expected = new TreeMap<>();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 5_000; i++) {
      String key = "K" + random.nextInt(12);
      if (random.nextInt(4) == 0) {
        assertThat(metadata.remove(key)).isEqualTo(expected.remove(key));
      } else {
        String value = values[random.nextInt(values.length)] + (random.nextBoolean() ? "" : i);
        assertThat(metadata.put(key, value)).isEqualTo(expected.put(key, value));
      }
      long utf8 = 0;
      long chars = 0;
      for (Map.Entry<String, String> e : expected.entrySet()) {
        utf8 += Metadata.utf8Length(e.getKey()) + Metadata.utf8Length(e.getValue());
        chars += e.getKey().length() + e.getValue().length();
      }
      assertThat(metadata.utf8Bytes()).isEqualTo(utf8);
      assertThat(metadata.chars()).isEqualTo(chars);
    }
    assertThat(metadata).containsExactlyEntriesOf(expected);
    assertThat(Metadata.utf8Length("emoji \uD83D\uDE00")).isEqualTo("emoji \uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
  }

  @Test
  @DisplayName("a copy is independent, and keys are the shared instances")
  void copiesAndSharesKeys() {
    Metadata original = new Metadata(2);
    original.put(new String("WIDTH"), "80");
    Metadata copy = original.copy();
    copy.put("WIDTH", "132");
    copy.put("HEIGHT", "40");
    original.put("AUTHOR", "Zoë");
    original.remove("WIDTH");
    assertThat(original).containsExactly(Map.entry("AUTHOR", "Zoë"));
    assertThat(copy).containsExactly(Map.entry("HEIGHT", "40"), Map.entry("WIDTH", "132"));
    Metadata other = new Metadata(1);
    other.put(new String("WIDTH"), "100");
    assertThat(other.keySet().iterator().next()).isSameAs(copy.keySet().stream().filter("WIDTH"::equals)
        .findFirst().orElseThrow());
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
