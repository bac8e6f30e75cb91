package dev.connstate.bench;

import dev.connstate.redis.RedisProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A sidecar started as a child process from this same jar ({@code java -jar … serve}), as an
 * operator runs it: for the benchmarks, which need a fresh sidecar per mode and must time its
 * start. Its output goes to a log file.
 */
final class SidecarProcess implements AutoCloseable {
  private final Process process;
  private final String schema;
  private final int bridgePort;
  private final SidecarHttp http;
  private final long startedNanos;
  private long readyNanos;

  private SidecarProcess(Process process, String schema, int bridgePort, int httpPort, long startedNanos) {
    this.process = process;
    this.schema = schema;
    this.bridgePort = bridgePort;
    this.http = new SidecarHttp(httpPort);
    this.startedNanos = startedNanos;
  }

  /** Starts {@code java <jvmArgs> -jar jar serve} against {@code redisUrl} in store {@code schema}. */
  static SidecarProcess start(Path jar, String redisUrl, String prefix, String schema, List<String> jvmArgs,
                              Path log) {
    int bridge = RedisProcess.freePort();
    int http = RedisProcess.freePort();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "serve"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("CONNSTATE_"));
    builder.environment().putAll(Map.of("CONNSTATE_REDIS_URL", redisUrl, "CONNSTATE_KEY_PREFIX", prefix,
        "CONNSTATE_STORE_SCHEMA", schema, "CONNSTATE_BRIDGE_PORT", Integer.toString(bridge),
        "CONNSTATE_HTTP_PORT", Integer.toString(http), "CONNSTATE_HTTP_HOST", "127.0.0.1",
        "CONNSTATE_INSTANCE_ID", "bench-" + schema, "CONNSTATE_LOG_LEVEL", "WARN"));
    try {
      Files.createDirectories(log.getParent());
      long started = System.nanoTime();
      return new SidecarProcess(builder.start(), schema, bridge, http, started);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the sidecar " + jar, e);
    }
  }

  /** Waits until {@code /health} answers 200; fails after {@code timeoutMs}. */
  SidecarProcess awaitReady(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the sidecar exited with code " + process.exitValue() + " (see its log)");
      }
      if (status("/health") == 200) {
        readyNanos = System.nanoTime();
        return this;
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("the sidecar was not ready within " + timeoutMs + " ms");
  }

  /** The store schema it runs with: hash or legacy. */
  String schema() {
    return schema;
  }

  int bridgePort() {
    return bridgePort;
  }

  /** Milliseconds from launching the process to {@code /health} answering 200. */
  double readyMs() {
    return (readyNanos - startedNanos) / 1e6;
  }

  /** The sum of every sample of {@code metric} on {@code /metrics} whose labels contain {@code labelFilter}. */
  double metric(String metric, String labelFilter) {
    return http.metric(metric, labelFilter);
  }

  /** Heap in use after a full GC ({@code jcmd <pid> GC.run}), in bytes, from the JVM metrics. */
  double heapAfterGc() throws IOException, InterruptedException {
    for (int i = 0; i < 2; i++) {
      Process gc = new ProcessBuilder("jcmd", Long.toString(process.pid()), "GC.run").redirectErrorStream(true).start();
      gc.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
        throw new IOException("jcmd " + process.pid() + " GC.run failed");
      }
    }
    return metric("jvm_memory_used_bytes", "area=\"heap\"");
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      // whoever interrupted wants out at once: the child must not outlive the bench
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private int status(String path) {
    return http.status(path);
  }

  /** Its HTTP endpoints. */
  SidecarHttp http() {
    return http;
  }
}
