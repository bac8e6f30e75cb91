package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis Cluster on free ports, built with plain commands (CLUSTER ADDSLOTS, MEET,
 * REPLICATE) so that it needs no redis-cli: three masters ({@code new TestRedisCluster()}), or
 * three masters each with one replica ({@link #withReplicas()}), which can fail over: kill the
 * master of a key's slot ({@link #killMasterOf}) and start it again as a replica
 * ({@link #restartKilled}). Reads go through a Vert.x cluster client, which routes each key to
 * its node; it is rebuilt after a failover, so reads keep working.
 */
public final class TestRedisCluster implements RedisReader, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TestRedisCluster.class);
  private static final int SLOTS = 16384;
  private static final int MASTERS = 3;
  /** A node not answering for this long is failed over (with replicas: ~3 s until promotion). */
  private static final int REPLICATED_NODE_TIMEOUT_MS = 2_000;
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private final Path binary = RedisBinary.get();
  private final List<RedisProcess> nodes = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private final NodeClients direct = new NodeClients(vertx);
  private final boolean replicas;
  private volatile Redis client;
  private RedisProcess killed;

  /** Three masters, no replicas. */
  public TestRedisCluster() {
    this(false);
  }

  private TestRedisCluster(boolean replicas) {
    this.replicas = replicas;
    try {
      int count = replicas ? 2 * MASTERS : MASTERS;
      for (int i = 0; i < count; i++) {
        Path dir = tempDir();
        RedisProcess node = new RedisProcess(binary, RedisProcess.freeClusterNodePort(), dir, nodeArguments(dir));
        nodes.add(node);
        node.start();
      }
      form();
      if (replicas) {
        replicate();
      }
      client = clusterClient();
    } catch (RuntimeException | AssertionError e) {
      close();
      throw e;
    }
  }

  /** Three masters, each with one replica in sync; returns once every node agrees on the topology. */
  public static TestRedisCluster withReplicas() {
    return new TestRedisCluster(true);
  }

  private List<String> nodeArguments(Path dir) {
    List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes",
        "--cluster-config-file", dir.resolve("nodes.conf").toString()));
    if (replicas) {
      // a replica's full sync starts at once instead of waiting 5 s for more replicas
      args.addAll(List.of("--cluster-node-timeout", Integer.toString(REPLICATED_NODE_TIMEOUT_MS),
          "--repl-diskless-sync-delay", "0"));
    } else {
      args.addAll(List.of("--cluster-node-timeout", "5000"));
    }
    return args;
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("connstate-test-cluster");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void form() {
    for (int i = 0; i < MASTERS; i++) {
      Request addSlots = Request.cmd(Command.CLUSTER).arg("ADDSLOTS");
      for (int slot = i * SLOTS / MASTERS; slot < (i + 1) * SLOTS / MASTERS; slot++) {
        addSlots.arg(slot);
      }
      Await.result(standalone(nodes.get(i)).send(addSlots));
    }
    for (int i = 1; i < nodes.size(); i++) {
      direct.call(nodes.get(0).port(), "CLUSTER", "MEET", "127.0.0.1", nodes.get(i).port());
    }
    for (RedisProcess process : nodes) {
      Await.until("cluster state ok on port " + process.port(), Duration.ofSeconds(20), () -> {
        String info = direct.call(process.port(), "CLUSTER", "INFO").toString();
        return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size());
      });
    }
  }

  private Redis standalone(RedisProcess node) {
    return Redis.createClient(vertx, new RedisOptions().setConnectionString(node.url()).setMaxPoolSize(1));
  }

  /** Makes node {@code MASTERS + i} the replica of node {@code i}, and waits until all are in sync and known. */
  private void replicate() {
    for (int i = 0; i < MASTERS; i++) {
      String masterId = direct.call(nodes.get(i).port(), "CLUSTER", "MYID").toString();
      int replica = nodes.get(MASTERS + i).port();
      Await.settled("127.0.0.1:" + replica + " accepts CLUSTER REPLICATE " + masterId, SETTLE,
          () -> "OK".equals(direct.call(replica, "CLUSTER", "REPLICATE", masterId).toString()) ? null : "refused");
    }
    awaitSettled();
  }

  /**
   * Waits until every running node says {@code cluster_state:ok} and sees the same masters and
   * replicas (none failing), and every replica's link to its master is up with the same offset.
   */
  public void awaitSettled() {
    Await.settled("every node of the cluster agrees, replicas in sync", SETTLE, this::unsettled);
  }

  private String unsettled() {
    List<ClusterNodes.Node> view = null;
    for (RedisProcess node : running()) {
      String info = direct.call(node.port(), "CLUSTER", "INFO").toString();
      if (!info.contains("cluster_state:ok")) {
        return node.port() + " says " + info.lines().findFirst().orElse("");
      }
      List<ClusterNodes.Node> seen = ClusterNodes.parse(direct.call(node.port(), "CLUSTER", "NODES").toString());
      String problem = ClusterNodes.problem(seen, running().stream().map(RedisProcess::port).collect(Collectors.toSet()),
          replicas ? running().size() - MASTERS : 0);
      if (problem != null) {
        return node.port() + " sees " + problem;
      }
      view = seen;
    }
    for (ClusterNodes.Node node : view) {
      if (!node.master()) {
        String lag = replicaLag(node.port(), ClusterNodes.byId(view, node.masterId()).port());
        if (lag != null) {
          return lag;
        }
      }
    }
    return null;
  }

  private String replicaLag(int replica, int master) {
    Map<String, String> info = direct.info(replica, "replication");
    if (!"up".equals(info.get("master_link_status"))) {
      return "replica " + replica + " has master_link_status " + info.get("master_link_status");
    }
    String masterOffset = direct.info(master, "replication").get("master_repl_offset");
    return masterOffset.equals(info.get("slave_repl_offset")) ? null
        : "replica " + replica + " at offset " + info.get("slave_repl_offset") + ", master " + master + " at " + masterOffset;
  }

  private List<RedisProcess> running() {
    return nodes.stream().filter(RedisProcess::running).toList();
  }

  /**
   * Kills with SIGKILL the master serving {@code key}'s slot, and waits until its replica is
   * promoted: {@code cluster_state:ok} on every other node and the slot served by the replica.
   */
  public void killMasterOf(String key) {
    if (!replicas) {
      throw new IllegalStateException("a cluster without replicas cannot fail over");
    }
    int slot = direct.call(running().get(0).port(), "CLUSTER", "KEYSLOT", key).toInteger();
    List<ClusterNodes.Node> view = ClusterNodes.parse(direct.call(running().get(0).port(), "CLUSTER", "NODES").toString());
    ClusterNodes.Node master = ClusterNodes.servingSlot(view, slot);
    ClusterNodes.Node replica = view.stream().filter(n -> master.id().equals(n.masterId())).findFirst()
        .orElseThrow(() -> new AssertionError("master " + master.port() + " of slot " + slot + " has no replica"));
    long started = System.nanoTime();
    killed = byPort(master.port());
    killed.kill();
    direct.forget(master.port());
    Await.settled("slot " + slot + " (" + key + ") served by the promoted replica 127.0.0.1:" + replica.port()
        + " on every running node, cluster_state:ok", SETTLE, () -> {
          for (RedisProcess node : running()) {
            if (!direct.call(node.port(), "CLUSTER", "INFO").toString().contains("cluster_state:ok")) {
              return node.port() + " is not ok";
            }
            ClusterNodes.Node serving = ClusterNodes.servingSlot(ClusterNodes.parse(
                direct.call(node.port(), "CLUSTER", "NODES").toString()), slot);
            if (serving == null || serving.port() != replica.port()) {
              return node.port() + " says slot " + slot + " is served by " + (serving == null ? "nobody" : serving.port());
            }
          }
          return null;
        });
    LOG.info("kill -9 of cluster master 127.0.0.1:{}: replica 127.0.0.1:{} serves slot {} everywhere after {} ms",
        master.port(), replica.port(), slot, (System.nanoTime() - started) / 1_000_000);
    replaceClient();
  }

  /** Starts the killed node again (same port, same nodes.conf): it rejoins as a replica; waits until it is in sync. */
  public void restartKilled() {
    if (killed == null) {
      throw new IllegalStateException("no node was killed");
    }
    long started = System.nanoTime();
    killed.start();
    int port = killed.port();
    killed = null;
    awaitSettled();
    LOG.info("cluster node 127.0.0.1:{} restarted and in sync as a replica after {} ms", port,
        (System.nanoTime() - started) / 1_000_000);
    replaceClient();
  }

  private RedisProcess byPort(int port) {
    return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
  }

  private Redis clusterClient() {
    return Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
        .setEndpoints(running().stream().map(RedisProcess::url).collect(Collectors.toList())).setMaxPoolSize(6));
  }

  /** A fresh client learns the new slot owners at once, and knows only running nodes. */
  private void replaceClient() {
    Redis old = client;
    client = clusterClient();
    old.close();
  }

  /** The connection string a sidecar in cluster mode takes: every node, comma-separated. */
  public String url() {
    return nodes.stream().map(RedisProcess::url).collect(Collectors.joining(","));
  }

  /** Runs one keyed command on the node that owns the key. */
  @Override
  public Response call(String command, Object... args) {
    Request request = RedisReader.request(command, args);
    return Await.result(client.send(request));
  }



  @Override
  public void close() {
    direct.close();
    if (client != null) {
      client.close();
    }
    for (RedisProcess node : nodes) {
      try {
        node.stop();
      } catch (RuntimeException e) {
        LOG.warn("could not stop cluster node {}: {}", node.port(), e.toString());
      }
    }
    Await.result(vertx.close());
  }
}
