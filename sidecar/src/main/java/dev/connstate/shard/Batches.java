package dev.connstate.shard;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a job over a long list of handles in batches, at most {@code window} batches in flight:
 * enough to keep Redis busy, few enough that the replies of a startup load of 100,000
 * connections do not all sit in memory at once (they did, and the young collections copying
 * them took a third of the load). Stops starting batches after the first failure, and fails
 * with it. Runs on the caller's context.
 */
final class Batches {
  private final List<Long> handles;
  private final int batchSize;
  private final Function<List<Long>, Future<Void>> job;
  private final Promise<Void> done = Promise.promise();
  private int nextStart;
  private int running;

  private Batches(List<Long> handles, int batchSize, Function<List<Long>, Future<Void>> job) {
    this.handles = handles;
    this.batchSize = batchSize;
    this.job = job;
  }

  static Future<Void> run(List<Long> handles, int batchSize, int window,
                          Function<List<Long>, Future<Void>> job) {
    Batches batches = new Batches(handles, batchSize, job);
    for (int i = 0; i < window; i++) {
      batches.startNext();
    }
    if (handles.isEmpty()) {
      batches.done.tryComplete();
    }
    return batches.done.future();
  }

  private void startNext() {
    if (nextStart >= handles.size() || done.future().isComplete()) {
      return;
    }
    List<Long> batch = handles.subList(nextStart, Math.min(handles.size(), nextStart + batchSize));
    nextStart += batch.size();
    running++;
    job.apply(batch).onComplete(ar -> {
      running--;
      if (ar.failed()) {
        done.tryFail(ar.cause());
      } else if (running == 0 && nextStart >= handles.size()) {
        done.tryComplete();
      } else {
        startNext();
      }
    });
  }
}
