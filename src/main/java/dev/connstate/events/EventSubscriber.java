package dev.connstate.events;

import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.store.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to the Redis change-event channel on a connection of its own (a subscribed
 * connection can do nothing else) and hands each event to the shards. It subscribes before
 * the startup load and holds events until {@link #deliver()}, so that no change made during
 * the load is missed: the shards skip what the load already holds by version.
 */
public final class EventSubscriber extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(EventSubscriber.class);

  private final Redis redis;
  private final RedisKeys keys;
  private final Consumer<ChangeEvent> sink;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private List<ChangeEvent> held = new ArrayList<>();
  private RedisConnection connection;

  public EventSubscriber(Redis redis, RedisKeys keys, Consumer<ChangeEvent> sink, Metrics metrics,
                         RateLimitedLog problems) {
    this.redis = redis;
    this.keys = keys;
    this.sink = sink;
    this.metrics = metrics;
    this.problems = problems;
  }

  @Override
  public Future<?> start() {
    return redis.connect().compose(conn -> {
      connection = conn;
      conn.handler(this::received);
      conn.exceptionHandler(e -> problems.warn("event subscription connection error", keys.eventsChannel(), e));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(keys.eventsChannel()));
    }).onSuccess(r -> LOG.debug("subscribed to {}", keys.eventsChannel()));
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
      metrics.malformed("event");
      problems.warn("ignored a malformed change event", keys.eventsChannel() + ": " + abbreviate(payload), e);
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
