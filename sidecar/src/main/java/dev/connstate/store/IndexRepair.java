package dev.connstate.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Removes members of {@code …conn:active} that point at no connection (orphans: their hash
 * and their v1 key expired or were never written). A member is removed only if both are still
 * missing at that moment, so a handle registered meanwhile by another sidecar keeps its entry.
 * In Redis Cluster the check and the removal cannot be one script (other slots) and run as two
 * steps (v1 keys are not looked at there: v1 never ran on a cluster).
 */
public final class IndexRepair {
  /** KEYS[1] the active set, then the v2 hash and the v1 key of each handle; ARGV the handles. */
  private static final String SCRIPT = """
      local removed = 0
      for i = 1, #ARGV do
        if redis.call('EXISTS', KEYS[2 * i], KEYS[2 * i + 1]) == 0 then
          removed = removed + redis.call('SREM', KEYS[1], ARGV[i])
        end
      end
      return removed
      """;

  private final Function<Request, Future<Response>> redis;
  private final RedisKeys keys;
  private final boolean cluster;

  /** @param redis sends one request (a pooled client, or a connection of the caller's) */
  public IndexRepair(Function<Request, Future<Response>> redis, RedisKeys keys, boolean cluster) {
    this.redis = redis;
    this.keys = keys;
    this.cluster = cluster;
  }

  /** Removes the orphans among {@code handles}; returns how many were removed. */
  public Future<Long> removeOrphans(List<Long> handles) {
    return removeOrphans(handles, false);
  }

  /** Counts ({@code dryRun}) or removes the orphans among {@code handles}. */
  public Future<Long> removeOrphans(List<Long> handles, boolean dryRun) {
    if (dryRun) {
      return countOrphans(handles);
    }
    if (handles.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    if (cluster) {
      return removeInTwoSteps(handles);
    }
    Request eval = Request.cmd(Command.EVAL).arg(SCRIPT).arg(1 + 2 * handles.size()).arg(keys.active());
    handles.forEach(h -> eval.arg(keys.connection(h)).arg(keys.legacyConnection(h)));
    handles.forEach(eval::arg);
    return redis.apply(eval).map(Response::toLong);
  }

  private Future<Long> countOrphans(List<Long> handles) {
    if (handles.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    List<Future<Response>> checks = new ArrayList<>();
    handles.forEach(h -> checks.add(redis.apply(Request.cmd(Command.EXISTS).arg(keys.connection(h))
        .arg(keys.legacyConnection(h)))));
    return Future.all(checks).map(all -> checks.stream().filter(f -> f.result().toLong() == 0).count());
  }

  private Future<Long> removeInTwoSteps(List<Long> handles) {
    List<Future<Response>> checks = new ArrayList<>();
    handles.forEach(h -> checks.add(redis.apply(Request.cmd(Command.EXISTS).arg(keys.connection(h)))));
    return Future.all(checks).compose(all -> {
      Request srem = Request.cmd(Command.SREM).arg(keys.active());
      int n = 0;
      for (int i = 0; i < handles.size(); i++) {
        if (checks.get(i).result().toLong() == 0) {
          srem.arg(handles.get(i));
          n++;
        }
      }
      return n == 0 ? Future.succeededFuture(0L) : redis.apply(srem).map(Response::toLong);
    });
  }
}
