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
import java.util.stream.Collectors;

/**
 * A real three-node Redis Cluster (masters only) on free ports, built with plain commands
 * (CLUSTER ADDSLOTS, CLUSTER MEET) so that it needs no redis-cli. Reads go through a Vert.x
 * cluster client, which routes each key to its node.
 */
public final class TestRedisCluster implements AutoCloseable {
  private static final int SLOTS = 16384;
  private final List<RedisProcess> nodes = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private final Redis client;

  public TestRedisCluster() {
    Path binary = RedisBinary.get();
    try {
      for (int i = 0; i < 3; i++) {
        Path dir = Files.createTempDirectory("connstate-test-cluster");
        RedisProcess node = new RedisProcess(binary, RedisProcess.freePort(), dir, List.of("--cluster-enabled", "yes",
            "--cluster-config-file", dir.resolve("nodes.conf").toString(), "--cluster-node-timeout", "5000"));
        node.start();
        nodes.add(node);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    form();
    client = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
        .setEndpoints(nodes.stream().map(RedisProcess::url).collect(Collectors.toList())).setMaxPoolSize(6));
  }

  private void form() {
    for (int i = 0; i < nodes.size(); i++) {
      Redis node = standalone(nodes.get(i));
      Request addSlots = Request.cmd(Command.CLUSTER).arg("ADDSLOTS");
      for (int slot = i * SLOTS / nodes.size(); slot < (i + 1) * SLOTS / nodes.size(); slot++) {
        addSlots.arg(slot);
      }
      Await.result(node.send(addSlots));
      if (i > 0) {
        Await.result(standalone(nodes.get(0)).send(Request.cmd(Command.CLUSTER).arg("MEET").arg("127.0.0.1")
            .arg(nodes.get(i).port())));
      }
    }
    for (RedisProcess process : nodes) {
      Redis node = standalone(process);
      Await.until("cluster state ok on port " + process.port(), Duration.ofSeconds(20), () -> {
        Response info = Await.result(node.send(Request.cmd(Command.CLUSTER).arg("INFO")));
        return info.toString().contains("cluster_state:ok") && info.toString().contains("cluster_known_nodes:3");
      });
    }
  }

  private Redis standalone(RedisProcess node) {
    return Redis.createClient(vertx, new RedisOptions().setConnectionString(node.url()).setMaxPoolSize(1));
  }

  /** The connection string a sidecar in cluster mode takes: every node, comma-separated. */
  public String url() {
    return nodes.stream().map(RedisProcess::url).collect(Collectors.joining(","));
  }

  /** Runs one keyed command on the node that owns the key. */
  public Response call(String command, Object... args) {
    Request request = Request.cmd(Command.create(command));
    for (Object arg : args) {
      request.arg(arg.toString());
    }
    return Await.result(client.send(request));
  }

  @Override
  public void close() {
    Await.result(client.close().eventually(vertx::close));
    nodes.forEach(RedisProcess::stop);
  }
}
