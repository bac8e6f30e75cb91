package dev.connstate.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Plain clients of single Redis processes (servers or Sentinels) on 127.0.0.1, by port, for the
 * fixtures that watch several of them. RESP2, so replies have the same shape on every node. A
 * command not answered within 2 s fails (a killed node must not stall a wait).
 */
final class NodeClients implements AutoCloseable {
  private static final long TIMEOUT_MS = 2_000;
  private final Vertx vertx;
  private final Map<Integer, Redis> clients = new ConcurrentHashMap<>();

  NodeClients(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Runs one command on the process at {@code port} and returns its reply. */
  Response call(int port, String command, Object... args) {
    return Await.result(send(port, command, args));
  }

  Future<Response> send(int port, String command, Object... args) {
    Request request = RedisReader.request(command, args);
    return client(port).send(request).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** {@code INFO <section>} as a map of its {@code name:value} lines. */
  Map<String, String> info(int port, String section) {
    Map<String, String> out = new HashMap<>();
    for (String line : call(port, "INFO", section).toString().split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        out.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return out;
  }

  /** The first element of {@code ROLE}: master, slave or sentinel. */
  String role(int port) {
    return call(port, "ROLE").get(0).toString();
  }

  /** A reply of field-value pairs (a RESP2 flat array or a RESP3 map) as a map. */
  static Map<String, String> fields(Response reply) {
    Map<String, String> out = new HashMap<>();
    if (reply == null) {
      return out;
    }
    if (reply.isMap()) {
      reply.getKeys().forEach(k -> out.put(k, reply.get(k).toString()));
    } else {
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        out.put(reply.get(i).toString(), reply.get(i + 1).toString());
      }
    }
    return out;
  }

  /** The members of a set reply. */
  static Set<String> members(Response reply) {
    Set<String> out = new HashSet<>();
    if (reply != null) {
      reply.forEach(m -> out.add(m.toString()));
    }
    return out;
  }

  /** Drops the client of a process that was killed: the next command connects afresh. */
  void forget(int port) {
    Redis client = clients.remove(port);
    if (client != null) {
      client.close();
    }
  }

  private Redis client(int port) {
    return clients.computeIfAbsent(port, p -> Redis.createClient(vertx, new RedisOptions()
        .setConnectionString("redis://127.0.0.1:" + p).setMaxPoolSize(4)
        .setPreferredProtocolVersion(ProtocolVersion.RESP2)));
  }

  @Override
  public void close() {
    clients.values().forEach(Redis::close);
    clients.clear();
  }
}
