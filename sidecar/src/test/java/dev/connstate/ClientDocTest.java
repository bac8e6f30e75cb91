package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/client.md shows the getting-started programs as they are compiled and run by the build
 * (ClientExamplesIT), to the character, and names every people's command.
 */
@DisplayName("docs/client.md is in step with the examples and the command line")
class ClientDocTest {
  private static final Path DOC = Path.of("docs", "client.md");
  private static final Path EXAMPLES = Path.of("examples", "client", "src", "main");

  @Test
  @DisplayName("the Java and Kotlin programs in it are the compiled ones")
  void examplesVerbatim() throws IOException {
    String doc = Files.readString(DOC);
    assertThat(doc).contains("```java\n" + read(EXAMPLES.resolve("java/dev/connstate/examples/GettingStarted.java"))
        + "\n```");
    assertThat(doc).contains("```kotlin\n"
        + read(EXAMPLES.resolve("kotlin/dev/connstate/examples/GettingStartedKotlin.kt")) + "\n```");
  }

  @Test
  @DisplayName("it names every people's command and the exit codes")
  void commands() throws IOException {
    String doc = Files.readString(DOC);
    for (String command : new String[] {"connstate get", "list", "byplayer", "stats", "disconnect", "watch"}) {
      assertThat(doc).contains("`" + command);
    }
    assertThat(doc).contains("3 no such connection").contains("5 unavailable");
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file).stripTrailing();
  }
}
