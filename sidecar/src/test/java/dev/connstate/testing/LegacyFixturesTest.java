package dev.connstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bundled v1 fixtures are the shared ones, byte for byte. */
@DisplayName("Legacy fixtures")
class LegacyFixturesTest {

  @Test
  @DisplayName("every fixture is bundled; where ../shared/fixtures/legacy exists, the copies equal it byte for byte "
      + "and none is missing")
  void copiesMatchTheSharedFixtures() throws IOException {
    for (String file : LegacyFixtures.FILES.keySet()) {
      assertThat(LegacyFixtures.DIR.resolve(file)).as("bundled").isRegularFile();
    }
    if (Files.isDirectory(LegacyFixtures.SHARED)) {
      try (Stream<Path> shared = Files.list(LegacyFixtures.SHARED)) {
        for (Path original : shared.filter(p -> p.toString().endsWith(".json")).toList()) {
          Path copy = LegacyFixtures.DIR.resolve(original.getFileName().toString());
          assertThat(copy).as("copy of %s", original).exists();
          assertThat(Files.readAllBytes(copy)).as("copy of %s", original).isEqualTo(Files.readAllBytes(original));
        }
      }
    }
  }
}
