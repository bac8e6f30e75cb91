package dev.connstate.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the commands of an {@link AcknowledgedLoad} did to one handle: the state its last
 * acknowledged command left, the state a command that was never acknowledged may have left
 * (after it the handle gets no more commands), every player it was bound to, and a line per
 * command. Written by one load thread, read once the load has ended.
 */
final class HandleHistory {
  /** What a handle holds, as far as the load knows. */
  record State(boolean live, String playerRef, String fence) {
    static final State ABSENT = new State(false, null, null);

    State registered() {
      return new State(true, null, null);
    }

    State bound(String ref) {
      return new State(true, ref, fence);
    }

    State unbound() {
      return new State(true, null, fence);
    }

    State fenced(String value) {
      return new State(true, playerRef, value);
    }

    State disconnected() {
      return ABSENT;
    }

    @Override
    public String toString() {
      return !live ? "absent" : (playerRef == null ? "Connected" : "LoggedIn " + playerRef)
          + (fence == null ? "" : ", Fence=" + fence);
    }
  }

  private static final int LOG_LINES = 16;
  final long handle;
  private State acknowledged = State.ABSENT;
  private State unconfirmed;
  private final Set<String> players = new LinkedHashSet<>();
  private final List<String> log = new ArrayList<>();

  HandleHistory(long handle) {
    this.handle = handle;
  }

  State acknowledged() {
    return acknowledged;
  }

  /** The state a command that was never acknowledged may have left, or null. */
  State unconfirmed() {
    return unconfirmed;
  }

  Set<String> players() {
    return players;
  }

  void acknowledge(State state, String line) {
    acknowledged = state;
    note(state, line);
  }

  void unconfirm(State state, String line) {
    unconfirmed = state;
    note(state, line);
  }

  private void note(State state, String line) {
    if (state.playerRef() != null) {
      players.add(state.playerRef());
    }
    log.add(line);
    if (log.size() > LOG_LINES) {
      log.remove(0);
    }
  }

  /** The last few commands, oldest first. */
  String lastCommands() {
    return String.join("; ", log);
  }
}
