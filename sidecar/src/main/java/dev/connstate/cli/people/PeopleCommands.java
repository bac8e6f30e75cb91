package dev.connstate.cli.people;

import picocli.CommandLine;

/**
 * The commands for the people who run the game (DESIGN §9): {@code get}, {@code list},
 * {@code byplayer}, {@code stats}, {@code disconnect} and {@code watch}, each a bridge client of
 * one running sidecar. Exit codes: see {@link PeopleCommand}.
 */
public final class PeopleCommands {
  private PeopleCommands() {
  }

  /** Adds them to the {@code connstate} command line. */
  public static void addTo(CommandLine line) {
    line.addSubcommand(new GetCommand());
    line.addSubcommand(new ListCommand());
    line.addSubcommand(new ByPlayerCommand());
    line.addSubcommand(new StatsCommand());
    line.addSubcommand(new DisconnectCommand());
    line.addSubcommand(new WatchCommand());
  }
}
