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

  private final Function<Request, Future<Response>> redis;
  private final RedisKeys keys;
  private final IndexRepair repair;
  private final Metrics metrics;

  public ActiveSet(Function<Request, Future<Response>> redis, RedisKeys keys, boolean cluster, Metrics metrics) {
    this.redis = redis;
    this.keys = keys;
    this.repair = new IndexRepair(redis, keys, cluster);
    this.metrics = metrics;
  }

  /** Every member that is a handle. */
  public Future<List<Long>> handles() {
    return redis.apply(Request.cmd(Command.SMEMBERS).arg(keys.active())).map(this::handles);
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
