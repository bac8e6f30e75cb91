package dev.connstate.store;

import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The set of live handles, {@code …conn:active} (shared by the v1 and v2 schemas): its members
 * as handles, and the removal of members that point at no connection ({@link IndexRepair}).
 * A member that is not a handle is logged, counted and skipped, never a reason to stop.
 */
public final class ActiveSet {
  private static final Logger LOG = LoggerFactory.getLogger(ActiveSet.class);
  /** Keys SCAN looks at per call: large enough for few round trips, small enough not to block Redis. */
  private static final int SCAN_COUNT = 1000;

  private final Function<Request, Future<Response>> redis;
  private final RedisKeys keys;
  private final IndexRepair repair;
  private final Metrics metrics;
  private final boolean cluster;
  private final String relistScript;

  public ActiveSet(Function<Request, Future<Response>> redis, RedisKeys keys, boolean cluster, Metrics metrics) {
    this.redis = redis;
    this.keys = keys;
    this.repair = new IndexRepair(redis, keys, cluster);
    this.metrics = metrics;
    this.cluster = cluster;
    this.relistScript = Scripts.fill(RELIST, keys.luaConstants(), java.util.Map.of());
  }

  /** KEYS[1] the hash, KEYS[2] the active set; ARGV[1] the handle. */
  private static final String RELIST = """
      local PLAYER_HEAD, PLAYER_TAIL = @PLAYER_HEAD@, @PLAYER_TAIL@
      if redis.call('EXISTS', KEYS[1]) == 0 then
        return 0
      end
      redis.call('SADD', KEYS[2], ARGV[1])
      local ref = redis.call('HGET', KEYS[1], 'playerRef')
      if ref then
        redis.call('SADD', PLAYER_HEAD .. ref .. PLAYER_TAIL, ARGV[1])
      end
      return 1
      """;

  /** Every member that is a handle. */
  public Future<List<Long>> handles() {
    return redis.apply(Request.cmd(Command.SMEMBERS).arg(keys.active())).map(this::handles);
  }

  /** Up to {@code count} distinct members that are handles, at random ({@code SRANDMEMBER} with a positive count). */
  public Future<List<Long>> sample(int count) {
    return redis.apply(Request.cmd(Command.SRANDMEMBER).arg(keys.active()).arg(count)).map(this::handles);
  }

  /**
   * Lists {@code handle} again if its hash exists: in the active set, and in the set of the
   * player it is bound to, as Redis holds it at that moment — in one script, so a concurrent
   * unbind or disconnect by another sidecar cannot be undone by a stale read. In Redis Cluster
   * the sets live in other slots: only the active set is written (an orphan there is removed
   * at the next start; a lost player entry is repaired by the bind's retry).
   */
  public Future<Void> relist(long handle) {
    if (cluster) {
      return redis.apply(Request.cmd(Command.SADD).arg(keys.active()).arg(handle)).mapEmpty();
    }
    return redis.apply(Request.cmd(Command.EVAL).arg(relistScript).arg(2).arg(keys.connection(handle))
        .arg(keys.active()).arg(handle)).mapEmpty();
  }

  /**
   * Every handle with a v2 hash, by {@code SCAN} over the keys of one Redis (not Redis Cluster:
   * each node has its own keyspace).
   */
  public Future<List<Long>> scanHashes() {
    return scanHashes(redis, keys);
  }

  /** Every handle with a v2 hash on the one node {@code node} sends to, by {@code SCAN}. */
  public static Future<List<Long>> scanHashes(Function<Request, Future<Response>> node, RedisKeys keys) {
    List<Long> found = new ArrayList<>();
    return scan(node, keys, "0", found).map(found);
  }

  private static Future<Void> scan(Function<Request, Future<Response>> node, RedisKeys keys, String cursor,
                                   List<Long> found) {
    Request scan = Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(keys.connectionPattern()).arg("COUNT")
        .arg(SCAN_COUNT);
    return node.apply(scan).compose(reply -> {
      for (Response key : reply.get(1)) {
        long handle = keys.connectionHandle(key.toString());
        if (handle >= 0) {
          found.add(handle);
        }
      }
      String next = reply.get(0).toString();
      return "0".equals(next) ? Future.succeededFuture() : scan(node, keys, next, found);
    });
  }

  /** Removes the orphans among {@code handles}; how many it removed. */
  public Future<Long> removeOrphans(List<Long> handles) {
    return repair.removeOrphans(handles);
  }

  private List<Long> handles(Response members) {
    List<Long> handles = new ArrayList<>(members == null ? 0 : members.size());
    int skipped = 0;
    String example = null;
    if (members != null) {
      for (Response member : members) {
        String text = member.toString();
        try {
          handles.add(Long.parseLong(text));
        } catch (NumberFormatException e) {
          metrics.malformed(MetricNames.MALFORMED_ACTIVE_MEMBER);
          skipped++;
          example = example == null ? text : example;
        }
      }
    }
    if (skipped > 0) {
      LOG.warn("skipped {} members of {} that are not handles (left in place), e.g. '{}'", skipped, keys.active(),
          example);
    }
    return handles;
  }
}
