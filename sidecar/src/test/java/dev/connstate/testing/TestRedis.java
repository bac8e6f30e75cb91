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
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real redis-server for tests, on a free port of 127.0.0.1: the one on PATH if there is
 * one, else the binary embedded-redis ships. Tests can kill it ({@code SIGKILL}) and start it
 * again on the same port, and read what it holds with plain commands.
 *
 * <p>As a JUnit extension it serves one test class:
 * {@code @RegisterExtension static final TestRedis redis = TestRedis.perClass();}
 */
public final class TestRedis implements RedisReader, AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private final RedisProcess process;
  /** {@code --requirepass}, or null. */
  private final String password;
  private Vertx vertx;
  private Redis client;

  private TestRedis(List<String> extraArgs) {
    this(extraArgs, null);
  }

  private TestRedis(List<String> extraArgs, String password) {
    this(RedisBinary.get(), extraArgs, password);
  }

  private TestRedis(Path binary, List<String> extraArgs, String password) {
    this.password = password;
    if (password != null) {
      extraArgs = new java.util.ArrayList<>(extraArgs);
      extraArgs.addAll(List.of("--requirepass", password));
    }
    try {
      Path dir = Files.createTempDirectory("connstate-test-redis");
      process = new RedisProcess(binary, RedisProcess.freePort(), dir, extraArgs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a server that keeps nothing on disk. */
  public static TestRedis start() {
    return new TestRedis(List.of()).begin();
  }

  /** Starts the redis-server embedded-redis ships (6.2: no Redis Functions), whatever is on PATH. */
  public static TestRedis startBundled() {
    return new TestRedis(RedisProcess.bundledBinary(), List.of(), null).begin();
  }

  /** Starts a server with extra redis-server arguments (e.g. {@code --appendonly yes}). */
  public static TestRedis start(String... extraArgs) {
    return new TestRedis(List.of(extraArgs)).begin();
  }

  /** A server started before the test class and stopped after it (register it as an extension). */
  public static TestRedis perClass(String... extraArgs) {
    return new TestRedis(List.of(extraArgs));
  }

  /**
   * A server started before the test class and stopped after it that requires
   * {@code password} ({@code --requirepass}); {@link #url()} carries it.
   */
  public static TestRedis perClassWithPassword(String password, String... extraArgs) {
    return new TestRedis(List.of(extraArgs), password);
  }

  private TestRedis begin() {
    process.start();
    vertx = Vertx.vertx();
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url()).setMaxPoolSize(4));
    return this;
  }

  /** Test classes using this server right now: @Nested classes run the class callbacks again. */
  private int users;

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (users++ == 0) {
      begin();
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (--users == 0) {
      close();
    }
  }

  /** {@code redis://127.0.0.1:port}, or {@code redis://:password@127.0.0.1:port} for a server with a password. */
  public String url() {
    return password == null ? process.url() : process.url().replace("redis://", "redis://:" + password + "@");
  }

  public int port() {
    return process.port();
  }

  /** Kills the server with SIGKILL. */
  public void kill() {
    process.kill();
  }

  /** Starts the server again on the same port. */
  public void restart() {
    process.start();
  }

  /** Runs one command and returns its reply. */
  @Override
  public Response call(String command, Object... args) {
    Request request = RedisReader.request(command, args);
    return Await.result(client.send(request));
  }

  /** The server's major version (6 for the bundled binary). */
  public int majorVersion() {
    String info = call("INFO", "server").toString();
    java.util.regex.Matcher version = java.util.regex.Pattern.compile("redis_version:(\\d+)\\.").matcher(info);
    if (!version.find()) {
      throw new AssertionError("INFO server names no redis_version: " + info);
    }
    return Integer.parseInt(version.group(1));
  }

  /** Remaining time to live in ms: -1 none, -2 no such key. */
  public long pttl(String key) {
    return call("PTTL", key).toLong();
  }

  public boolean exists(String key) {
    return call("EXISTS", key).toLong() == 1;
  }

  @Override
  public void close() {
    if (client != null) {
      Future<Void> closed = client.close().eventually(vertx::close);
      client = null;
      Await.result(closed);
    }
    process.stop();
  }
}
