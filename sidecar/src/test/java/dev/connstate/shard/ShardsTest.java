package dev.connstate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
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
  @DisplayName("mix is SplitMix64's finalizer: it agrees with java.util.SplittableRandom, which applies it to "
      + "seed + the golden gamma")
  void mixIsSplitMix64() {
    long goldenGamma = 0x9e3779b97f4a7c15L;
    for (long seed : new long[] {0, 1, 42, -1, (1L << 53) - 1, 0x0123456789abcdefL, Long.MIN_VALUE,
        Long.MAX_VALUE}) {
      assertThat(Shards.mix(seed + goldenGamma)).as("seed %d", seed)
          .isEqualTo(new SplittableRandom(seed).nextLong());
    }
  }

  @Test
  @DisplayName("every shard index is within 0 to n - 1, for several shard counts")
  void indexInRange() {
    for (int shards : new int[] {1, 2, 3, 4, 7, 16, 64}) {
      for (long h : new long[] {0, 1, 42, (1L << 53) - 1}) {
        assertThat(Shards.indexOf(h, shards)).as("handle %d of %d shards", h, shards).isBetween(0, shards - 1);
      }
    }
  }
}
