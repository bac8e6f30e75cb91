package dev.connstate.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code connstate bench hot}: scenario (a) against a running sidecar. */
@Command(name = "hot", mixinStandardHelpOptions = true,
    description = "Hot path: touch and LastConnectionSignal updates on --handles registered connections.")
final class HotCommand extends LoadCommand {
  @Option(names = "--handles", defaultValue = "1000", description = "Connections to spread the load over "
      + "(registered first; default ${DEFAULT-VALUE}).")
  int handles;

  @Option(names = "--first-handle", defaultValue = "1000000000",
      description = "First handle of the range (default ${DEFAULT-VALUE}).")
  long firstHandle;

  @Option(names = "--touch-share", defaultValue = "0.5", paramLabel = "FRACTION",
      description = "Share of touches among the requests; the rest update LastConnectionSignal (default "
          + "${DEFAULT-VALUE}).")
  double touchShare;

  @Override
  Workload workload() {
    return new HotPath(firstHandle, handles, touchShare);
  }

  @Override
  String scenarioProblem() {
    if (!(touchShare >= 0 && touchShare <= 1)) {
      return "--touch-share: expected a fraction from 0 to 1, got " + touchShare;
    }
    if (handles < 1 || handles > 1_000_000) {
      return "--handles: expected 1 to 1000000, got " + handles;
    }
    return Handles.problem("--first-handle", firstHandle, handles);
  }
}
