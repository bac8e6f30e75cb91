package dev.connstate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Handle to shard mapping")
class ShardsTest {

  @Test
  @DisplayName("consecutive handles spread evenly over the shards (within 5% of the mean)")
  void spreadsEvenly() {
    int shards = 4;
    int[] counts = new int[shards];
    for (long h = 0; h < 100_000; h++) {
      counts[Shards.indexOf(h, shards)]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(23_750, 26_250);
    }
  }

  @Test
  @DisplayName("a handle always maps to the same shard, and every index is in range")
  void stable() {
    for (long h : new long[] {0, 1, 42, (1L << 53) - 1}) {
      int index = Shards.indexOf(h, 3);
      assertThat(index).isBetween(0, 2).isEqualTo(Shards.indexOf(h, 3));
    }
  }
}
