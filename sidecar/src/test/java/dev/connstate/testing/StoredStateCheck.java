package dev.connstate.testing;

import dev.connstate.store.RedisKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Holds Redis to what an {@link AcknowledgedLoad} was told: for every handle, the state its
 * last acknowledged command left (or, if a later command was never acknowledged, the state that
 * one would have left) is in the hash ({@code state}, {@code playerRef}, {@code meta:Fence}), in
 * {@code conn:active}, and in the set of its player, and in no set of a player it left.
 */
final class StoredStateCheck {
  private static final int EXAMPLES = 8;
  private final RedisKeys keys;
  private final RedisReader redis;
  private final Map<String, Set<String>> playerSets = new HashMap<>();
  private Set<String> active;

  StoredStateCheck(RedisKeys keys, RedisReader redis) {
    this.keys = keys;
    this.redis = redis;
  }

  void assertHolds(List<HandleHistory> histories, Supplier<String> summary) {
    active = redis.smembers(keys.active());
    List<String> lost = new ArrayList<>();
    Map<String, Integer> kinds = new TreeMap<>();
    for (HandleHistory history : histories) {
      Map<String, String> hash = redis.hgetall(keys.connection(history.handle));
      List<String> differences = differences(history, history.acknowledged(), hash);
      if (differences.isEmpty() || history.unconfirmed() != null
          && differences(history, history.unconfirmed(), hash).isEmpty()) {
        continue;
      }
      kinds.merge(kind(differences.get(0)), 1, Integer::sum);
      lost.add("handle " + history.handle + " acknowledged " + history.acknowledged()
          + (history.unconfirmed() == null ? "" : " (or unconfirmed " + history.unconfirmed() + ")")
          + "; Redis: " + String.join(", ", differences) + "; last commands: " + history.lastCommands());
    }
    if (!lost.isEmpty()) {
      throw new AssertionError(lost.size() + " of " + histories.size() + " handles do not hold their acknowledged "
          + "state in Redis " + kinds + "\n" + summary.get() + "\nfirst of them:\n  "
          + String.join("\n  ", lost.subList(0, Math.min(EXAMPLES, lost.size()))));
    }
  }

  private static String kind(String difference) {
    if (difference.startsWith("no hash")) {
      return "hash missing";
    }
    return difference.contains(" set") ? "index" : "field";
  }

  /** How Redis differs from {@code state} for this handle; empty if it holds it. */
  private List<String> differences(HandleHistory history, HandleHistory.State state, Map<String, String> hash) {
    List<String> out = new ArrayList<>();
    String member = Long.toString(history.handle);
    if (state.live()) {
      if (hash.isEmpty()) {
        out.add("no hash");
      } else {
        String expected = state.playerRef() == null ? "Connected" : "LoggedIn";
        compare(out, "state", expected, hash.get("state"));
        compare(out, "playerRef", state.playerRef(), hash.get("playerRef"));
        compare(out, "meta:" + AcknowledgedLoad.FENCE, state.fence(), hash.get("meta:" + AcknowledgedLoad.FENCE));
      }
      if (!active.contains(member)) {
        out.add("not in the conn:active set");
      }
      if (state.playerRef() != null && !players(state.playerRef()).contains(member)) {
        out.add("not in the set " + keys.player(state.playerRef()));
      }
    } else {
      if (!hash.isEmpty()) {
        out.add("a hash (state " + hash.get("state") + ", version " + hash.get("version") + ")");
      }
      if (active.contains(member)) {
        out.add("still in the conn:active set");
      }
    }
    for (String player : history.players()) {
      if (!player.equals(state.playerRef()) && players(player).contains(member)) {
        out.add("still in the set " + keys.player(player));
      }
    }
    return out;
  }

  private static void compare(List<String> out, String field, String expected, String stored) {
    if (!Objects.equals(expected, stored)) {
      out.add(field + " " + (stored == null ? "absent" : stored) + ", not " + (expected == null ? "absent" : expected));
    }
  }

  private Set<String> players(String ref) {
    return playerSets.computeIfAbsent(ref, r -> redis.smembers(keys.player(r)));
  }
}
