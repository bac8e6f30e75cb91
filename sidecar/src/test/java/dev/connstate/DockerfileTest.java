package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the Dockerfile is held to the build by reading it: every path
 * it copies from the build context exists, the jar it runs is the one the build makes, and it
 * stays safe as shipped (DESIGN §8).
 */
@DisplayName("The Dockerfile is in step with the build")
class DockerfileTest {
  private static final Path DOCKERFILE = Path.of("Dockerfile");

  private static List<String> lines() throws IOException {
    return Files.readAllLines(DOCKERFILE);
  }

  @Test
  @DisplayName("every path it copies from the build context exists")
  void copiesExist() throws IOException {
    Pattern copy = Pattern.compile("^COPY\\s+(?!--from)(\\S+)\\s+\\S+$");
    List<String> sources = new ArrayList<>();
    for (String line : lines()) {
      Matcher m = copy.matcher(line.trim());
      if (m.matches()) {
        sources.add(m.group(1));
      }
    }
    assertThat(sources).isNotEmpty().allSatisfy(source -> assertThat(Path.of(source)).exists());
  }

  @Test
  @DisplayName("it builds the reactor and runs the jar the build makes (target/connstate.jar, the shade plugin's "
      + "outputFile)")
  void runsTheBuiltJar() throws IOException {
    String text = String.join("\n", lines());
    assertThat(Files.readString(Path.of("sidecar", "pom.xml")))
        .contains("<outputFile>${connstate.root}/target/connstate.jar</outputFile>")
        .contains("<connstate.root>${project.basedir}/..</connstate.root>");
    assertThat(Files.readString(Path.of("pom.xml"))).contains("<module>client</module>")
        .contains("<module>examples/client</module>").contains("<module>sidecar</module>");
    assertThat(text).contains("COPY pom.xml .").contains("COPY client client").contains("COPY examples/client examples/client")
        .contains("COPY sidecar/pom.xml")
        .contains("RUN mvn -B -q package -DskipTests");
    assertThat(text).contains("COPY --from=build /src/target/connstate.jar /app/connstate.jar")
        .containsPattern("ENTRYPOINT \\[.*\"-jar\", \"/app/connstate.jar\"\\]");
  }

  @Test
  @DisplayName("it is safe as shipped: the bridge is not opened to the network, out-of-memory exits, not root")
  void safeAsShipped() throws IOException {
    String text = String.join("\n", lines().stream().filter(l -> !l.trim().startsWith("#")).toList());
    assertThat(text).doesNotContain("CONNSTATE_BRIDGE_HOST=0.0.0.0").doesNotContain("ALLOW_UNAUTHENTICATED")
        .contains("-XX:+ExitOnOutOfMemoryError").containsPattern("(?m)^USER \\w+");
  }
}
