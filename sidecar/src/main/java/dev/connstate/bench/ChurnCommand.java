package dev.connstate.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code connstate bench churn}: scenario (b) against a running sidecar. */
@Command(name = "churn", mixinStandardHelpOptions = true,
    description = "Churn: sessions of register, bind, two updates, disconnect on fresh handles "
        + "(3 critical changes per session; --rate counts sessions/s).")
final class ChurnCommand extends LoadCommand {
  @Option(names = "--first-handle", paramLabel = "HANDLE",
      description = "First handle to use (default: one derived from the clock, so runs do not collide).")
  Long firstHandle;

  @Override
  Workload workload() {
    return new Churn(firstHandle != null ? firstHandle : Handles.freshRange());
  }

  @Override
  String scenarioProblem() {
    return firstHandle == null ? null : Handles.problem("--first-handle", firstHandle, 1_000_000_000L);
  }
}
