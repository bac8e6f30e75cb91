package dev.connstate.deploy;

import static dev.connstate.deploy.DeployFiles.COMPOSE;
import static dev.connstate.deploy.DeployFiles.DEPLOY_README;
import static dev.connstate.deploy.DeployFiles.KUBERNETES;
import static dev.connstate.deploy.DeployFiles.KUBERNETES_README;
import static dev.connstate.deploy.DeployFiles.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.config.ClientSpec;
import dev.connstate.protocol.Addresses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The deployment examples are documented, and what the documents tell people to run works with them. */
@DisplayName("The deployment examples are documented, and their walkthrough works with the files")
class DeployDocsTest {
  /** The words of a shell line, single-quoted words kept whole. */
  private static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return words;
  }

  /** The lines inside the fenced code blocks of a Markdown file. */
  private static List<String> codeLines(Path markdown) {
    List<String> lines = new ArrayList<>();
    boolean inside = false;
    for (String line : read(markdown).split("\n")) {
      if (line.startsWith("```")) {
        inside = !inside;
      } else if (inside) {
        lines.add(line.trim());
      }
    }
    return lines;
  }

  @Test
  @DisplayName("the repository README points to deploy/README.md and docker-compose.yml, and deploy/README.md to "
      + "docker-compose.yml and the Kubernetes README")
  void readmesPointToTheExamples() {
    assertThat(read(Path.of("README.md"))).contains("deploy/README.md").contains("docker-compose.yml");
    assertThat(read(DEPLOY_README)).contains("../docker-compose.yml").contains("kubernetes/README.md")
        .contains("sidecar/src/test/java/dev/connstate/deploy/");
    assertThat(COMPOSE).exists();
    assertThat(KUBERNETES_README).exists();
  }

  @Test
  @DisplayName("the Kubernetes README names every file in deploy/kubernetes, and every YAML file there names the test "
      + "that checks it")
  void kubernetesReadmeNamesItsFiles() throws IOException {
    String readme = read(KUBERNETES_README);
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      List<Path> shipped = files.filter(p -> !p.equals(KUBERNETES_README)).sorted().toList();
      assertThat(shipped).isNotEmpty().allSatisfy(p -> assertThat(readme).contains("`" + p.getFileName() + "`"));
    }
    assertThat(DeployFiles.yamlFiles(KUBERNETES)).allSatisfy(p -> assertThat(read(p)).contains("Test.java"));
    assertThat(read(COMPOSE)).contains("ComposeFileTest.java").contains("deploy/README.md");
  }

  @Test
  @DisplayName("the docs say the tokens and passwords are examples only, why a Deployment and not a StatefulSet, and "
      + "send the lease keys to docs/configuration.md")
  void docsSayWhatTheyMust() {
    String deploy = read(DEPLOY_README);
    assertThat(deploy).contains("examples only");
    String kubernetes = read(KUBERNETES_README);
    assertThat(kubernetes).contains("Why a Deployment, not a StatefulSet").contains("docs/configuration.md")
        .contains("leaseTtlMs").contains("reapIntervalMs").contains("sessionGraceMs").contains("auditIntervalMs")
        .contains("auditSample").contains("PLACEHOLDER");
    assertThat(read(COMPOSE)).contains("EXAMPLE ONLY");
  }

  @Test
  @DisplayName("every relative link in the deploy READMEs leads to a file that exists")
  void linksResolve() {
    for (Path readme : List.of(DEPLOY_README, KUBERNETES_README)) {
      Matcher link = Pattern.compile("\\]\\(([^)#]+)(#[^)]*)?\\)").matcher(read(readme));
      int links = 0;
      while (link.find()) {
        String target = link.group(1);
        if (!target.contains("://")) {
          assertThat(readme.getParent().resolve(target).normalize()).as("link %s in %s", target, readme).exists();
          links++;
        }
      }
      assertThat(links).as("relative links in %s", readme).isPositive();
    }
  }

  @Test
  @DisplayName("every BridgeClient command of the walkthrough reaches a sidecar with a token it has configured, of a "
      + "role that may send that command (or, where the walkthrough says so, is refused)")
  void walkthroughCommandsAreAllowed() {
    List<String> commands = codeLines(DEPLOY_README).stream().filter(l -> l.contains("BridgeClient.java")).toList();
    assertThat(commands).hasSizeGreaterThanOrEqualTo(5);
    int refused = 0;
    for (String line : commands) {
      List<String> words = shellWords(line);
      String sidecar = sidecarOf(words);
      String token = DeployFiles.option(words, "--token");
      ClientSpec client = DeployFiles.clientOf(sidecar, token);
      assertThat(client).as("the client %s authenticates as, on %s: %s", token, sidecar, line).isNotNull();
      int send = words.indexOf("send");
      if (send < 0) {
        assertThat(words).as(line).last().isEqualTo("watch");
        continue;
      }
      String address = words.get(send + 1);
      assertThat(Addresses.COMMANDS).as(line).contains(address);
      assertThat(words.get(send + 2)).as("the body of %s", line).startsWith("{").endsWith("}");
      if (!client.role().allows(address)) {
        refused++;
        assertThat(address).as("the one refusal the walkthrough shows").isEqualTo(Addresses.DISCONNECT);
        assertThat(client.role().wire()).isEqualTo("game-server");
      }
    }
    assertThat(refused).as("commands the walkthrough shows refused (403)").isEqualTo(1);
  }

  /** The sidecar a BridgeClient command line reaches: by service name, or by the port published on the laptop. */
  private static String sidecarOf(List<String> words) {
    String host = DeployFiles.option(words, "--host");
    if (host != null && DeployFiles.sidecars().contains(host)) {
      return host;
    }
    assertThat(host == null || host.equals("127.0.0.1") || host.equals("localhost")).as("host %s", host).isTrue();
    String port = DeployFiles.option(words, "--port");
    assertThat(port).as("the published port of %s", words).isNotNull();
    for (String sidecar : DeployFiles.sidecars()) {
      for (Object published : DeployFiles.list(DeployFiles.service(sidecar).get("ports"), "ports")) {
        if (String.valueOf(published).matches("(127\\.0\\.0\\.1:)?" + port + ":7000")) {
          return sidecar;
        }
      }
    }
    return org.assertj.core.api.Assertions.fail("no sidecar publishes its bridge on port %s", port);
  }
}
