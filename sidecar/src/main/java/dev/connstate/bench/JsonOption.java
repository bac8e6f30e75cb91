package dev.connstate.bench;

import picocli.CommandLine.Option;

/** The {@code --json} switch of the commands that print one result of their own (bench startup and ceiling). */
final class JsonOption {
  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;
}
