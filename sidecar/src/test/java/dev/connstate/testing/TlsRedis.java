package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A redis-server (or Sentinel) that speaks TLS with the test certificates ({@link TestCerts}) on
 * one port, and plain TCP on another, through which the test looks at what it holds; a sidecar
 * is given only the TLS port. Clients need no certificate ({@code tls-auth-clients no}).
 *
 * <p>{@link #start} fails with {@link Unsupported} when the redis-server binary was built
 * without TLS, so that a test can say so and check what it still can.
 */
public final class TlsRedis implements RedisReader, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsRedis.class);
  private final RedisProcess process;
  private final int tlsPort;
  private final Vertx vertx = Vertx.vertx();
  private final Redis plain;

  private TlsRedis(RedisProcess process, int tlsPort) {
    this.process = process;
    this.tlsPort = tlsPort;
    this.plain = Redis.createClient(vertx, new RedisOptions().setConnectionString(process.url()).setMaxPoolSize(2));
  }

  /** The redis-server binary has no TLS: what it said when asked to listen on a TLS port. */
  public static final class Unsupported extends RuntimeException {
    Unsupported(String output) {
      super(output);
    }
  }

  /** A server with TLS, plus {@code extraArgs} (e.g. Redis Cluster's). */
  public static TlsRedis start(List<String> extraArgs) {
    int tlsPort = RedisProcess.freePort();
    List<String> args = commandLine(tlsArguments(tlsPort));
    args.addAll(extraArgs);
    RedisProcess server = new RedisProcess(RedisBinary.get(), RedisProcess.freePort(), tempDir("tls-redis"), args);
    return started("server", server, tlsPort);
  }

  /**
   * A Sentinel with TLS, monitoring {@code masterName} at 127.0.0.1:{@code masterTlsPort} over
   * TLS ({@code tls-replication yes}), quorum 1.
   */
  public static TlsRedis sentinel(String masterName, int masterTlsPort) {
    int tlsPort = RedisProcess.freePort();
    List<String> lines = new ArrayList<>(tlsArguments(tlsPort));
    lines.add("tls-replication yes");
    lines.add("sentinel monitor " + masterName + " 127.0.0.1 " + masterTlsPort + " 1");
    RedisProcess sentinel = RedisProcess.sentinel(RedisBinary.get(), RedisProcess.freePort(), tempDir("tls-sentinel"),
        lines);
    return started("Sentinel", sentinel, tlsPort);
  }

  private static TlsRedis started(String what, RedisProcess process, int tlsPort) {
    try {
      process.start();
    } catch (IllegalStateException e) {
      if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("tls")) {
        throw new Unsupported(e.getMessage());
      }
      throw e;
    }
    LOG.info("{} speaks TLS: a {} with TLS on 127.0.0.1:{}, plain TCP on {}", RedisBinary.get(), what, tlsPort,
        process.port());
    return new TlsRedis(process, tlsPort);
  }

  /** The directives of redis.conf (and sentinel.conf) for TLS on {@code port}. */
  private static List<String> tlsArguments(int port) {
    return List.of("tls-port " + port,
        "tls-cert-file " + TestCerts.path(TestCerts.SERVER),
        "tls-key-file " + TestCerts.path(TestCerts.SERVER_KEY),
        "tls-ca-cert-file " + TestCerts.path(TestCerts.CA),
        "tls-auth-clients no");
  }

  /** Directives such as {@code tls-port 6380} as command-line arguments: {@code --tls-port}, {@code 6380}. */
  private static List<String> commandLine(List<String> directives) {
    List<String> args = new ArrayList<>();
    for (String directive : directives) {
      String[] nameAndValue = directive.split(" ", 2);
      args.add("--" + nameAndValue[0]);
      args.add(nameAndValue[1]);
    }
    return args;
  }

  private static Path tempDir(String name) {
    try {
      return Files.createTempDirectory("connstate-" + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code rediss://127.0.0.1:<tls port>}. */
  public String tlsUrl() {
    return "rediss://127.0.0.1:" + tlsPort;
  }

  public int tlsPort() {
    return tlsPort;
  }

  /** {@code redis://127.0.0.1:<plain port>}: the same server without TLS. */
  public String plainUrl() {
    return process.url();
  }

  /** Runs one command over the plain port. */
  @Override
  public Response call(String command, Object... args) {
    Request request = RedisReader.request(command, args);
    return Await.result(plain.send(request));
  }



  @Override
  public void close() {
    Future<Void> closed = plain.close().eventually(vertx::close);
    Await.result(closed);
    process.stop();
  }
}
