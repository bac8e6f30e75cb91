package dev.connstate.bench;

import dev.connstate.redis.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Redis a benchmark runs on: the one {@code --redis-url} names, or a {@code redis-server} of
 * its own on a free port (the machine's, else the one embedded-redis bundles), stopped at the
 * end. Never the operator's Redis unless named: the benchmark writes to it.
 */
final class BenchRedis implements AutoCloseable {
  private final String url;
  private final RedisProcess own;

  private BenchRedis(String url, RedisProcess own) {
    this.url = url;
    this.own = own;
  }

  static BenchRedis of(String url) throws IOException {
    if (url != null) {
      return new BenchRedis(url, null);
    }
    Path binary = RedisProcess.binaryOnPath();
    RedisProcess own = new RedisProcess(binary != null ? binary : RedisProcess.bundledBinary(),
        RedisProcess.freePort(), Files.createTempDirectory("connstate-bench-redis"), List.of());
    own.start();
    return new BenchRedis(own.url(), own);
  }

  String url() {
    return url;
  }

  String host() {
    String host = URI.create(url).getHost();
    return host == null ? "127.0.0.1" : host;
  }

  int port() {
    int port = URI.create(url).getPort();
    return port < 0 ? 6379 : port;
  }

  /** Where it came from, for the report. */
  String description() {
    return own == null ? url : "own redis-server on " + url;
  }

  @Override
  public void close() {
    if (own != null) {
      own.stop();
    }
  }
}
