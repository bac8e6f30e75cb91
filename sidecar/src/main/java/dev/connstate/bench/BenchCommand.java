package dev.connstate.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code connstate bench}: the load generator and benchmark scenarios of docs/BENCHMARKS.md.
 * Each scenario is one subcommand; {@code suite} runs them all, repeated, in one run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Load generator and benchmarks (docs/BENCHMARKS.md). hot and churn drive a running sidecar "
        + "through its TCP bridge; startup, ceiling and suite start what they measure; profile summarises a "
        + "recording made by suite --profile."},
    subcommands = {HotCommand.class, ChurnCommand.class, StartupCommand.class, CeilingCommand.class,
        SuiteCommand.class, ProfileCommand.class})
public final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }
}
