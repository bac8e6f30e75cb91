package dev.connstate.bench;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** How the commands that start their own sidecars start them: which jar, which JVM options, where logs go. */
final class SidecarOptions {
  @Option(names = "--jar", paramLabel = "FILE", description = "Sidecar jar (default: this one).")
  Path jar;

  @Option(names = "--sidecar-jvm-arg", paramLabel = "ARG", description = "JVM option for the sidecars "
      + "(repeatable).")
  List<String> jvmArgs = List.of();

  @Option(names = "--out", defaultValue = "target/bench", paramLabel = "DIR",
      description = "Directory for reports, the sidecars' logs and recordings (default ${DEFAULT-VALUE}).")
  Path out;
}
