package dev.connstate;

import dev.connstate.bench.BenchCommand;
import dev.connstate.cli.MigrateCommand;
import dev.connstate.cli.ServeCommand;
import dev.connstate.cli.people.PeopleCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code connstate} command line: {@code serve} runs the sidecar, {@code migrate} converts
 * v1 records, {@code bench} measures it; {@code get}, {@code list}, {@code byplayer},
 * {@code stats}, {@code disconnect} and {@code watch} ask a running sidecar over its bridge. Exits non-zero when a
 * command fails, with a message that says why.
 */
@Command(name = "connstate", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Connection-state sidecar for MUSH servers: commands over the Vert.x event bus and TCP bridge, "
        + "ordered per handle, stored in Redis hashes, announced on pub/sub.",
    subcommands = {ServeCommand.class, MigrateCommand.class, BenchCommand.class})

public final class Main {

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || args.length == 0 || !"serve".equals(args[0])) {
      System.exit(code);
    }
  }

  /** The command line with every subcommand: serve, migrate, bench, and the people's commands over the bridge. */
  public static CommandLine commandLine() {
    CommandLine line = new CommandLine(new Main());
    PeopleCommands.addTo(line);
    return line;
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"connstate " + dev.connstate.boot.Sidecar.version()};
    }
  }
}
