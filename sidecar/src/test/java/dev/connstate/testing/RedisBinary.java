package dev.connstate.testing;

import dev.connstate.redis.RedisProcess;
import java.nio.file.Path;

/**
 * The redis-server the tests run: the one on PATH if there is one, else the binary
 * embedded-redis ships (so a machine with only a JDK and Maven runs the suite). Run with
 * {@code -Dconnstate.test.redis=bundled} to use the bundled one even where Redis is installed.
 */
public final class RedisBinary {
  private RedisBinary() {
  }

  public static Path get() {
    boolean bundled = "bundled".equals(System.getProperty("connstate.test.redis"));
    Path onPath = bundled ? null : RedisProcess.binaryOnPath();
    return onPath != null ? onPath : RedisProcess.bundledBinary();
  }
}
