package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.testing.JarProcess;
import dev.connstate.testing.LegacyFixtures;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code connstate migrate} from the packaged jar, on the v1 fixtures. */
@DisplayName("connstate migrate")
class MigrateIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  private static String run(String prefix, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "migrate";
    System.arraycopy(args, 0, command, 1, args.length);
    try (JarProcess jar = new JarProcess(Map.of("CONNSTATE_REDIS_URL", redis.url(), "CONNSTATE_KEY_PREFIX", prefix),
        command)) {
      assertThat(jar.awaitExit(60)).as("exit code; output:%n%s", String.join("\n", jar.output())).isZero();
      String output = String.join("\n", jar.output());
      System.out.println("--- connstate " + String.join(" ", command) + "\n" + output);
      return output;
    }
  }

  @Test
  @DisplayName("reports dry-run, migration and re-run counts, and names the malformed keys")
  void migratesTheFixtures() throws Exception {
    String prefix = TestSidecar.newPrefix("migrate-jar");
    LegacyFixtures.load(redis, prefix);
    String dry = run(prefix, "--dry-run");
    assertThat(dry).contains("dry run: nothing was changed").containsPattern("would migrate: +3")
        .containsPattern("orphans to remove from " + prefix + "conn:active: +1");
    assertThat(redis.exists(prefix + "conn:{2}")).isFalse();

    String first = run(prefix);
    assertThat(first).containsPattern("v1 records scanned: +5").containsPattern("migrated: +3")
        .containsPattern("already migrated \\(left alone\\): +0")
        .containsPattern("orphans removed from " + prefix + "conn:active: +1")
        .containsPattern("malformed \\(left untouched\\): +2")
        .contains(prefix + "conn:3: handle 3").contains(prefix + "conn:4: handle 4");
    assertThat(redis.hgetall(prefix + "conn:{1000001}")).containsEntry("playerRef", "#100");

    String second = run(prefix);
    assertThat(second).containsPattern("\nmigrated: +0").containsPattern("already migrated \\(left alone\\): +3")
        .containsPattern("orphans removed from " + prefix + "conn:active: +0");
  }

  @Test
  @DisplayName("without CONNSTATE_REDIS_URL refuses to run, saying what to set")
  void needsRedis() throws Exception {
    try (JarProcess jar = new JarProcess(Map.of(), "migrate")) {
      assertThat(jar.awaitExit(60)).isEqualTo(2);
      assertThat(jar.output()).anyMatch(l -> l.contains("set CONNSTATE_REDIS_URL"));
    }
  }
}
