package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis that Sentinel fails over, for tests: a master, one replica ({@code --replicaof}) and
 * three Sentinels (quorum 2) watching them under one master name, each process on a free port
 * of 127.0.0.1 in its own temp directory. The Sentinels call a master down after 1 s, so a
 * failover completes within a few seconds. {@link #start} returns once the replica is in sync
 * and every Sentinel knows the other two and the replica.
 *
 * <p>What the servers do, as measured with Redis 7.0 (see {@link #failover}): after
 * {@code SENTINEL FAILOVER} the replica is promoted within ~0.2 s and every Sentinel names it
 * ~1 s later, but the old master keeps running as a master, taking writes, until the Sentinels
 * demote it ~10 s after the switch ({@code +convert-to-slave}); only then are its clients
 * disconnected, subscribers included. After a {@code kill -9} of the master the Sentinels name
 * the replica ~2.3 s later.
 *
 * <p>{@link #hgetall}, {@link #smembers} and {@link #call} go to the current master: the one the
 * Sentinels named after the last change this fixture made or waited for.
 */
public final class TestSentinelGroup implements RedisReader, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TestSentinelGroup.class);
  private static final int SENTINELS = 3;
  private static final int QUORUM = 2;
  private static final int DOWN_AFTER_MS = 1_000;
  private static final int FAILOVER_TIMEOUT_MS = 3_000;
  /** How long a failover, a demotion or a replica's sync may take. */
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final Path binary = RedisBinary.get();
  private final String masterName;
  private final Vertx vertx = Vertx.vertx();
  private final NodeClients nodes = new NodeClients(vertx);
  /** The two data nodes by port; a process is replaced when a killed node is started again. */
  private final Map<Integer, RedisProcess> servers = new LinkedHashMap<>();
  private final Map<Integer, Path> dirs = new LinkedHashMap<>();
  private final List<RedisProcess> sentinels = new ArrayList<>();
  private volatile int masterPort;
  private Integer killedPort;
  private final DemotionWatch demotion = new DemotionWatch(vertx);

  private TestSentinelGroup(String masterName) {
    this.masterName = masterName;
  }

  /** Starts the group and returns once it is settled (see {@link #awaitSettled}). */
  public static TestSentinelGroup start(String masterName) {
    TestSentinelGroup group = new TestSentinelGroup(masterName);
    try {
      group.begin();
      return group;
    } catch (RuntimeException | AssertionError e) {
      group.close();
      throw e;
    }
  }

  private void begin() {
    int master = RedisProcess.freePort();
    int replica = RedisProcess.freePort();
    startServer(master, null);
    startServer(replica, master);
    masterPort = master;
    // in sync before the Sentinels first look (they ask a replica for INFO only every 10 s)
    Await.settled("replica 127.0.0.1:" + replica + " in sync with 127.0.0.1:" + master, SETTLE,
        () -> replicaLag(replica, master));
    for (int i = 0; i < SENTINELS; i++) {
      RedisProcess sentinel = RedisProcess.sentinel(binary, RedisProcess.freePort(), tempDir("sentinel"),
          sentinelConfig(master));
      sentinels.add(sentinel);
      sentinel.start();
    }
    awaitSettled();
  }

  private List<String> sentinelConfig(int master) {
    return List.of("sentinel monitor " + masterName + " 127.0.0.1 " + master + " " + QUORUM,
        "sentinel down-after-milliseconds " + masterName + " " + DOWN_AFTER_MS,
        "sentinel failover-timeout " + masterName + " " + FAILOVER_TIMEOUT_MS,
        "sentinel parallel-syncs " + masterName + " 1");
  }

  private void startServer(int port, Integer replicaOf) {
    Path dir = dirs.computeIfAbsent(port, p -> tempDir("sentinel-node"));
    // a full sync starts at once instead of waiting 5 s for more replicas to join it
    List<String> args = new ArrayList<>(List.of("--repl-diskless-sync-delay", "0"));
    if (replicaOf != null) {
      args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(replicaOf)));
    }
    RedisProcess server = new RedisProcess(binary, port, dir, args);
    servers.put(port, server);
    server.start();
  }

  private static Path tempDir(String name) {
    try {
      return Files.createTempDirectory("connstate-" + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a sidecar in sentinel mode takes as {@code redis.url}: every Sentinel, comma-separated. */
  public String sentinelUrl() {
    return sentinels.stream().map(RedisProcess::url).collect(Collectors.joining(","));
  }

  public String masterName() {
    return masterName;
  }

  /** The master's port as the first Sentinel names it now. */
  public int masterPort() {
    return sentinelMaster(sentinels.get(0).port());
  }

  /**
   * {@code SENTINEL FAILOVER}, then waits until every Sentinel names the other node and it answers
   * {@code ROLE master}. The old master is still a master then (see the class comment):
   * {@link #awaitSettled} waits for its demotion.
   */
  public void failover() {
    int from = masterPort;
    int to = otherServer(from);
    demotion.watch(from);
    long started = System.nanoTime();
    Response answer = nodes.call(sentinels.get(0).port(), "SENTINEL", "FAILOVER", masterName);
    if (!"OK".equals(answer.toString())) {
      throw new AssertionError("SENTINEL FAILOVER answered " + answer);
    }
    awaitSwitch(from, to);
    demotion.switched();
    LOG.info("SENTINEL FAILOVER: every Sentinel names 127.0.0.1:{} (was {}) after {} ms", to, from, millisSince(started));
  }

  /** Kills the master with SIGKILL and waits until the Sentinels have promoted the replica. */
  public void killMaster() {
    int from = masterPort;
    int to = otherServer(from);
    long started = System.nanoTime();
    servers.get(from).kill();
    nodes.forget(from);
    killedPort = from;
    awaitSwitch(from, to);
    LOG.info("kill -9 of master 127.0.0.1:{}: every Sentinel names 127.0.0.1:{} after {} ms", from, to,
        millisSince(started));
  }

  /** Starts the killed node again on its port, as a replica of the current master, and waits until it is in sync. */
  public void restartKilled() {
    if (killedPort == null) {
      throw new IllegalStateException("no node was killed");
    }
    int port = killedPort;
    long started = System.nanoTime();
    startServer(port, masterPort);
    killedPort = null;
    awaitSettled();
    LOG.info("127.0.0.1:{} restarted and in sync as a replica of 127.0.0.1:{} after {} ms", port, masterPort,
        millisSince(started));
  }

  private void awaitSwitch(int from, int to) {
    Await.settled("every Sentinel names 127.0.0.1:" + to + " (not " + from + ") as master " + masterName
        + " and it answers ROLE master", SETTLE, () -> {
          for (RedisProcess sentinel : sentinels) {
            int named = sentinelMaster(sentinel.port());
            if (named != to) {
              return "Sentinel " + sentinel.port() + " names " + named;
            }
          }
          String role = nodes.role(to);
          return "master".equals(role) ? null : "127.0.0.1:" + to + " answers ROLE " + role;
        });
    masterPort = to;
  }

  /**
   * Waits until the group is whole again: every Sentinel names the same master, which answers
   * {@code ROLE master}; every running node other than the master is its replica with the link up
   * and the same offset; every Sentinel knows the other two and sees every running replica as a
   * healthy replica, and quorum is reachable. After {@link #failover} this is when the old master
   * has been demoted. Should the Sentinels have failed over by themselves meanwhile, reads follow
   * the master they name now (and a warning says so).
   */
  public void awaitSettled() {
    long started = System.nanoTime();
    Await.settled("the Sentinel group " + masterName + " is settled", SETTLE, this::unsettled);
    demotion.settled();
    LOG.debug("group {} settled around 127.0.0.1:{} in {} ms", masterName, masterPort, millisSince(started));
  }

  private String unsettled() {
    int master = sentinelMaster(sentinels.get(0).port());
    if (master != masterPort) {
      LOG.warn("the Sentinels name 127.0.0.1:{} as master, not 127.0.0.1:{}: they failed over by themselves "
          + "(see target/redis-processes.log)", master, masterPort);
      masterPort = master;
    }
    if (!"master".equals(nodes.role(master))) {
      return "127.0.0.1:" + master + " is not a master";
    }
    for (int port : runningReplicas()) {
      String lag = replicaLag(port, master);
      if (lag != null) {
        return lag;
      }
    }
    for (RedisProcess sentinel : sentinels) {
      String view = sentinelView(sentinel.port(), master);
      if (view != null) {
        return view;
      }
    }
    return null;
  }

  private List<Integer> runningReplicas() {
    return servers.entrySet().stream().filter(e -> e.getKey() != masterPort && e.getValue().running())
        .map(Map.Entry::getKey).toList();
  }

  private String replicaLag(int replica, int master) {
    Map<String, String> info = nodes.info(replica, "replication");
    if (!"slave".equals(info.get("role")) || !Integer.toString(master).equals(info.get("master_port"))) {
      return "127.0.0.1:" + replica + " is " + info.get("role") + " (master_port " + info.get("master_port") + ")";
    }
    if (!"up".equals(info.get("master_link_status"))) {
      return "127.0.0.1:" + replica + " has master_link_status " + info.get("master_link_status");
    }
    String masterOffset = nodes.info(master, "replication").get("master_repl_offset");
    if (!masterOffset.equals(info.get("slave_repl_offset"))) {
      return "127.0.0.1:" + replica + " is at offset " + info.get("slave_repl_offset") + ", master at " + masterOffset;
    }
    return null;
  }

  private String sentinelView(int sentinel, int master) {
    String who = "Sentinel " + sentinel;
    int named = sentinelMaster(sentinel);
    if (named != master) {
      return who + " names " + named;
    }
    int others = nodes.call(sentinel, "SENTINEL", "SENTINELS", masterName).size();
    if (others != SENTINELS - 1) {
      return who + " knows " + others + " other Sentinels";
    }
    Map<Integer, Map<String, String>> replicas = new LinkedHashMap<>();
    nodes.call(sentinel, "SENTINEL", "REPLICAS", masterName)
        .forEach(r -> replicas.put(Integer.parseInt(NodeClients.fields(r).get("port")), NodeClients.fields(r)));
    // not its master-link-status: a Sentinel asks a healthy replica for INFO only every 10 s, and
    // the replica's own INFO (replicaLag) says it already
    for (int port : runningReplicas()) {
      Map<String, String> replica = replicas.get(port);
      if (replica == null || !"slave".equals(replica.get("flags"))) {
        return who + " sees replica " + port + " as " + (replica == null ? "unknown" : replica.get("flags"));
      }
    }
    String quorum = nodes.call(sentinel, "SENTINEL", "CKQUORUM", masterName).toString();
    return quorum.startsWith("OK") ? null : who + ": " + quorum;
  }

  private int sentinelMaster(int sentinel) {
    Response address = nodes.call(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
    return Integer.parseInt(address.get(1).toString());
  }

  private int otherServer(int port) {
    return servers.keySet().stream().filter(p -> p != port).findFirst().orElseThrow();
  }

  /** Runs one command on the current master. */
  @Override
  public Response call(String command, Object... args) {
    return nodes.call(masterPort, command, args);
  }



  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  /** Stops the Sentinels first (so that none fails over while the servers stop), then the servers. */
  @Override
  public void close() {
    demotion.close();
    nodes.close();
    sentinels.forEach(TestSentinelGroup::stopQuietly);
    servers.values().forEach(TestSentinelGroup::stopQuietly);
    vertx.close();
  }

  private static void stopQuietly(RedisProcess process) {
    try {
      process.stop();
    } catch (RuntimeException e) {
      LOG.warn("could not stop redis on port {}: {}", process.port(), e.toString());
    }
  }
}
