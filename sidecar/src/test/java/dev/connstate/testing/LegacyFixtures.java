package dev.connstate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The exact v1 records of {@code ../shared/fixtures/legacy/}, as byte-identical copies in
 * {@code sidecar/src/test/resources/fixtures/legacy/} (so that a checkout builds on its own; a test
 * compares them with the shared ones wherever those are present), loaded into a test Redis the
 * way the shared {@code load.sh} does (and the way v1 left them): one STRING per record with a
 * 24 h TTL, each handle in the active set, plus handle 7 in the set with no record (an orphan).
 */
public final class LegacyFixtures {
  public static final Path DIR = Path.of("sidecar", "src", "test", "resources", "fixtures", "legacy");
  /** Where the copies come from, beside this project in the workplace. */
  public static final Path SHARED = Path.of("..", "shared", "fixtures", "legacy");
  /** Fixture file → handle, as load.sh maps them. */
  public static final Map<String, Long> FILES = Map.of(
      "conn-1.json", 1L, "conn-2.json", 2L, "conn-1000001.json", 1_000_001L,
      "malformed-truncated.json", 3L, "malformed-types.json", 4L);
  public static final long ORPHAN = 7;

  private LegacyFixtures() {
  }

  public static String text(String file) {
    try {
      return Files.readString(DIR.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads every fixture under {@code prefix} into {@code redis}. */
  public static void load(TestRedis redis, String prefix) {
    FILES.forEach((file, handle) -> {
      redis.call("SET", prefix + "conn:" + handle, text(file), "EX", 86_400);
      redis.call("SADD", prefix + "conn:active", handle);
    });
    redis.call("SADD", prefix + "conn:active", ORPHAN);
  }
}
