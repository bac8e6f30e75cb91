package dev.connstate.redis;

import dev.connstate.ops.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the master of a Redis Sentinel group. It asks the sentinels which node is the master
 * of {@code masterName}, listens on one sentinel at a time for {@code +switch-master}, and asks
 * again every few seconds and whenever a connection to the master was lost. When the master
 * moved, every listener is told at once, so that each shard and the event subscription drop
 * the connection to the old master (its requests in flight fail, their outcome unknown) and
 * reconnect to the new one. A connection is handed out only after {@code ROLE} said
 * {@code master}: an old master that was not demoted yet is never written to through a new
 * connection.
 *
 * <p>This replaces the Vert.x client's own Sentinel failover, which swaps the socket under a
 * connection without telling its owner (no script reload, no re-subscription, no resync) and
 * listens on one sentinel only.
 *
 * <p>Its clients of sentinels and masters are made from the sidecar's own Redis options
 * ({@link RedisClients#node}): with {@code rediss://} sentinels, the masters are reached over TLS
 * too, trusting the same CA.
 */
public final class SentinelMaster implements RedisConnector {
  private static final Logger LOG = LoggerFactory.getLogger(SentinelMaster.class);
  /** How often the sentinels are asked, whatever pub/sub said. */
  private static final long CHECK_MS = 2_000;
  private static final long WATCH_RETRY_MS = 1_000;

  private final Vertx vertx;
  private final RedisOptions configured;
  private final List<String> sentinels;
  private final String masterName;
  private final String scheme;
  private final String userInfo;
  private final String database;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Redis> clients = new ConcurrentHashMap<>();
  private volatile String master;
  private volatile boolean closed;
  private volatile RedisConnection watch;
  private int nextSentinel;
  private long timer = -1;

  /**
   * @param configured the sidecar's Redis options ({@link RedisClients#options}, Sentinel mode):
   *     the sentinels are its endpoints, {@code redis[s]://[user:pass@]host:port[/db]}; the scheme,
   *     credentials and database of the first are used for the master too
   */
  public SentinelMaster(Vertx vertx, RedisOptions configured) {
    this.vertx = vertx;
    this.configured = configured;
    this.masterName = configured.getMasterName();
    this.sentinels = List.copyOf(configured.getEndpoints());
    this.scheme = RedisClients.schemeOf(sentinels.get(0));
    URI first = URI.create(sentinels.get(0));
    this.userInfo = first.getRawUserInfo();
    this.database = first.getPath() == null || first.getPath().length() <= 1 ? null : first.getPath().substring(1);
  }

  /** Asks the sentinels for the master; fails if none answers. Then watches for switches. */
  public Future<Void> start() {
    return ask(0).map(address -> {
      master = address;
      LOG.info("Redis master of '{}' is {} (as the sentinels say)", masterName, address);
      watch();
      timer = vertx.setPeriodic(CHECK_MS, id -> reask("periodic check"));
      return null;
    });
  }

  /** The master's address as last known, {@code host:port}. */
  public String master() {
    return master;
  }

  @Override
  public Future<RedisConnection> connect() {
    String address = master;
    return client(address).connect().compose(conn -> conn.send(Request.cmd(Command.ROLE)).transform(role -> {
      if (role.succeeded() && role.result() != null && "master".equals(role.result().get(0).toString())) {
        return Future.succeededFuture(conn);
      }
      conn.close().onFailure(e -> LOG.debug("closing a connection to {}: {}", address, e.getMessage()));
      reask("a connection found no master at " + address);
      return Future.failedFuture(role.failed() ? role.cause()
          : new IllegalStateException(address + " is not the master of '" + masterName + "' any more (role "
              + (role.result() == null ? "unknown" : role.result().get(0)) + ")"));
    }));
  }

  @Override
  public void onMasterSwitch(Consumer<String> listener) {
    listeners.add(listener);
  }

  @Override
  public void connectionLost() {
    reask("a connection to the master was lost");
  }

  /** Stops watching and closes every client. */
  public Future<Void> close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    List<Future<Void>> closing = new ArrayList<>();
    RedisConnection current = watch;
    if (current != null) {
      closing.add(current.close());
    }
    clients.values().forEach(c -> closing.add(c.close()));
    return Future.join(closing).mapEmpty();
  }

  /** Asks the sentinels (the first that answers) and switches if the master moved. */
  private void reask(String why) {
    if (closed) {
      return;
    }
    ask(0).onSuccess(address -> switchTo(address, why))
        .onFailure(e -> LOG.warn("no sentinel named the master of '{}' ({}): {}", masterName, why, e.getMessage()));
  }

  private Future<String> ask(int index) {
    if (index >= sentinels.size()) {
      return Future.failedFuture("none of the sentinels " + String.join(", ", redacted()) + " knows a master named '"
          + masterName + "'");
    }
    Request question = Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(masterName);
    return client(sentinels.get(index)).send(question).compose(reply -> reply == null || reply.size() < 2
        ? Future.failedFuture("sentinel does not know '" + masterName + "'")
        : Future.succeededFuture(hostPort(reply.get(0).toString(), reply.get(1).toString())))
        .recover(e -> ask(index + 1));
  }

  private synchronized void switchTo(String address, String why) {
    if (closed || address.equals(master)) {
      return;
    }
    String old = master;
    master = address;
    LOG.warn("Redis master of '{}' moved from {} to {} ({}): every connection moves to the new master; changes in "
        + "flight on the old one are not acknowledged", masterName, old, address, why);
    String reason = "the Redis master moved from " + old + " to " + address;
    listeners.forEach(l -> l.accept(reason));
  }

  /** One sentinel at a time, subscribed to +switch-master; the next one after a loss. */
  private void watch() {
    if (closed) {
      return;
    }
    String sentinel = sentinels.get(nextSentinel++ % sentinels.size());
    client(sentinel).connect().onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("cannot watch sentinel {}: {}", redact(sentinel), ar.cause().getMessage());
        vertx.setTimer(WATCH_RETRY_MS, id -> watch());
        return;
      }
      RedisConnection conn = ar.result();
      watch = conn;
      conn.handler(this::switchMessage);
      conn.exceptionHandler(e -> rewatch(conn, e.getMessage()));
      conn.endHandler(v -> rewatch(conn, "closed"));
      conn.send(Request.cmd(Command.SUBSCRIBE).arg("+switch-master"))
          .onSuccess(ok -> reask("watching sentinel " + redact(sentinel)))
          .onFailure(e -> rewatch(conn, e.getMessage()));
    });
  }

  private void rewatch(RedisConnection conn, String why) {
    if (watch != conn || closed) {
      return;
    }
    watch = null;
    LOG.info("lost the watch on a sentinel ({}); watching the next one", why);
    conn.close().onFailure(e -> LOG.debug("closing a sentinel connection: {}", e.getMessage()));
    vertx.setTimer(WATCH_RETRY_MS, id -> watch());
    reask("a sentinel was lost");
  }

  /** {@code message +switch-master "<name> <old ip> <old port> <new ip> <new port>"}. */
  private void switchMessage(Response message) {
    if (message.size() < 3 || !"message".equals(message.get(0).toString())) {
      return;
    }
    String[] parts = message.get(2).toString().split(" ");
    if (parts.length == 5 && parts[0].equals(masterName)) {
      switchTo(hostPort(parts[3], parts[4]), "+switch-master");
    }
  }

  private Redis client(String endpoint) {
    return clients.computeIfAbsent(endpoint, e -> Redis.createClient(vertx,
        RedisClients.node(configured, e.contains("://") ? e : masterUrl(e), 64)));
  }

  /** {@code redis[s]://[userinfo@]host:port[/db]} for a master address {@code host:port}. */
  private String masterUrl(String address) {
    return scheme + (userInfo == null ? "" : userInfo + "@") + address + (database == null ? "" : "/" + database);
  }

  private static String hostPort(String host, String port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private List<String> redacted() {
    return sentinels.stream().map(SentinelMaster::redact).toList();
  }

  /** An endpoint without its password, for logs. */
  private static String redact(String endpoint) {
    return Secrets.redact(endpoint);
  }
}
