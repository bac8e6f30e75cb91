package dev.connstate.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the old master of a {@code SENTINEL FAILOVER}, so that a test's log says what the
 * servers did: when the old master stopped answering {@code ROLE master}, and when a plain
 * client connection and a subscribed one, both open on it before the failover, were closed.
 * Times are milliseconds after the {@code SENTINEL FAILOVER} call.
 */
final class DemotionWatch {
  private static final Logger LOG = LoggerFactory.getLogger(DemotionWatch.class);
  private static final long POLL_MS = 50;
  private final Vertx vertx;
  private Redis client;
  private RedisConnection plain;
  private RedisConnection subscriber;
  private int port;
  private long startedAt;
  private volatile long switchedAt = -1;
  private volatile long demotedAt = -1;
  private volatile long plainClosedAt = -1;
  private volatile long subscriberClosedAt = -1;
  private long timer = -1;

  DemotionWatch(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts watching the master on {@code port}, just before it is failed over. */
  synchronized void watch(int port) {
    stop();
    this.port = port;
    startedAt = System.currentTimeMillis();
    switchedAt = demotedAt = plainClosedAt = subscriberClosedAt = -1;
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port)
        .setMaxPoolSize(4));
    plain = Await.result(client.connect());
    plain.endHandler(v -> plainClosedAt = since());
    subscriber = Await.result(client.connect());
    subscriber.handler(message -> { });
    subscriber.endHandler(v -> subscriberClosedAt = since());
    Await.result(subscriber.send(Request.cmd(Command.SUBSCRIBE).arg("connstate-demotion-watch")));
    Redis watched = client;
    timer = vertx.setPeriodic(POLL_MS, id -> watched.send(Request.cmd(Command.ROLE)).onSuccess(role -> {
      if (demotedAt < 0 && !"master".equals(role.get(0).toString())) {
        demotedAt = since();
      }
    }));
  }

  /** Every Sentinel names the new master now. */
  void switched() {
    switchedAt = since();
  }

  /** The group has settled: logs what was seen and stops watching. */
  synchronized void settled() {
    if (client != null) {
      LOG.info("old master 127.0.0.1:{} after SENTINEL FAILOVER (ms after the call): Sentinels switched at {}, "
          + "it answered ROLE slave at {}, a plain client was disconnected at {}, a subscriber at {}", port,
          show(switchedAt), show(demotedAt), show(plainClosedAt), show(subscriberClosedAt));
      stop();
    }
  }

  private static String show(long ms) {
    return ms < 0 ? "never (yet)" : ms + " ms";
  }

  private long since() {
    return System.currentTimeMillis() - startedAt;
  }

  private void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (client != null) {
      plain.close();
      subscriber.close();
      client.close();
      client = null;
    }
  }

  synchronized void close() {
    stop();
  }
}
