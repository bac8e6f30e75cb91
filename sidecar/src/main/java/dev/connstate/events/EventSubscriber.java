package dev.connstate.events;

import dev.connstate.model.ChangeEvent;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.redis.ConnectionReport;
import dev.connstate.redis.RedisConnector;
import dev.connstate.store.ManagedConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Subscribes to the Redis change-event channel on a connection of its own (a subscribed
 * connection can do nothing else) and hands each event to the shards.
 *
 * <p>It subscribes before the startup load and holds events until {@link #deliver()}, so
 * that no change made during the load is missed. When the connection drops it reconnects
 * with backoff and subscribes again; since events published meanwhile are lost to it, it then
 * runs {@code resync}, which re-reads the connections from Redis and publishes what changed
 * ({@link dev.connstate.shard.Reloader#resync}).
 */
public final class EventSubscriber extends VerticleBase {
  private final RedisConnector redis;
  private final String channel;
  private final Consumer<ChangeEvent> sink;
  private final Runnable resync;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private List<ChangeEvent> held = new ArrayList<>();
  private ManagedConnection connection;

  /** @param channel the Redis channel of change events ({@code …conn:events}) */
  public EventSubscriber(RedisConnector redis, String channel, Consumer<ChangeEvent> sink, Runnable resync, Metrics metrics,
                         RateLimitedLog problems) {
    this.redis = redis;
    this.channel = channel;
    this.sink = sink;
    this.resync = resync;
    this.metrics = metrics;
    this.problems = problems;
  }

  @Override
  public Future<?> start() {
    connection = new ManagedConnection(vertx, redis, 16, "event subscription",
        new ConnectionReport(metrics, problems));
    connection.messageHandler(this::received);
    connection.onConnected(() -> connection.sendNow(Request.cmd(Command.SUBSCRIBE).arg(channel))
        .mapEmpty());
    connection.onRestored(resync);
    return connection.start();
  }

  @Override
  public Future<?> stop() {
    return connection == null ? Future.succeededFuture() : connection.close();
  }

  /** Starts handing events to the shards, first those held since subscribing. */
  public Future<Void> deliver() {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(v -> {
      List<ChangeEvent> due = held;
      held = null;
      due.forEach(sink);
      promise.complete();
    });
    return promise.future();
  }

  private void received(Response message) {
    if (message.size() < 3 || !"message".equals(message.get(0).toString())) {
      return;
    }
    String payload = message.get(2).toString();
    ChangeEvent event;
    try {
      event = ChangeEvent.parse(payload);
    } catch (IllegalArgumentException e) {
      metrics.malformed(MetricNames.MALFORMED_EVENT);
      problems.warn("ignored a malformed change event", channel + ": " + abbreviate(payload), e);
      return;
    }
    if (held != null) {
      held.add(event);
    } else {
      sink.accept(event);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }
}
