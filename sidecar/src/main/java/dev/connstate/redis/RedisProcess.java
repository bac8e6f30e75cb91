package dev.connstate.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} process this JVM starts, on 127.0.0.1 and a port of its choosing,
 * and can stop, kill ({@code SIGKILL}) and start again on the same port. Used by
 * {@code serve} for the development default (the binary that
 * {@code com.github.codemonstur:embedded-redis} ships) and by the tests (which prefer a
 * {@code redis-server} on {@code PATH}). Nothing is persisted unless the extra arguments say so.
 */
public final class RedisProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisProcess.class);
  private static final String READY = "Ready to accept connections";

  private static final String SENTINEL_READY = "+monitor master";

  private final Path binary;
  private final int port;
  private final Path dir;
  private final List<String> arguments;
  private final String readyLine;
  private Process process;

  /** A server that keeps nothing on disk unless {@code extraArgs} say so. */
  public RedisProcess(Path binary, int port, Path dir, List<String> extraArgs) {
    this(binary, port, dir, serverArguments(port, dir, extraArgs), READY);
  }

  private RedisProcess(Path binary, int port, Path dir, List<String> arguments, String readyLine) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.arguments = List.copyOf(arguments);
    this.readyLine = readyLine;
  }

  private static List<String> serverArguments(int port, Path dir, List<String> extraArgs) {
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
    args.addAll(extraArgs);
    return args;
  }

  /** A Sentinel on {@code port} monitoring the master {@code masterName} at 127.0.0.1:{@code masterPort}. */
  public static RedisProcess sentinel(Path binary, int port, Path dir, String masterName, int masterPort) {
    return sentinel(binary, port, dir, List.of("sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1",
        "sentinel down-after-milliseconds " + masterName + " 5000"));
  }

  /**
   * A Sentinel on {@code port} with the given lines of {@code sentinel.conf} (written to
   * {@code dir}, which the Sentinel rewrites as it learns the topology), e.g.
   * {@code sentinel monitor <name> 127.0.0.1 <port> <quorum>}. Ready once it monitors a master.
   */
  public static RedisProcess sentinel(Path binary, int port, Path dir, List<String> configLines) {
    Path config = dir.resolve("sentinel.conf");
    try {
      Files.createDirectories(dir);
      Files.writeString(config, String.join("\n", configLines) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RedisProcess(binary, port, dir, List.of(config.toString(), "--sentinel", "--port",
        Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "no", "--dir", dir.toString()),
        SENTINEL_READY);
  }

  /** The redis-server binary embedded-redis ships for this platform, extracted to a temp file. */
  public static Path bundledBinary() {
    try {
      File file = ExecutableProvider.newJarResourceProvider().get();
      if (!file.canExecute() && !file.setExecutable(true)) {
        throw new IOException("cannot make " + file + " executable");
      }
      return file.toPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the embedded redis-server", e);
    }
  }

  /** {@code redis-server} from {@code PATH}, or null. */
  public static Path binaryOnPath() {
    return onPath("redis-server");
  }

  /** The executable {@code name} from {@code PATH}, or null. */
  public static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * A TCP port that was free a moment ago, from 20000–29999: below the range the kernel hands out
   * to outgoing connections (Linux: 32768 and up), which otherwise may take the port between this
   * check and its use. Successive calls in one JVM walk the range from a random start, so two
   * callers are not handed the same port before either binds it.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < PORT_RANGE; attempt++) {
      int port = FIRST_PORT + Math.floorMod(nextPort.getAndIncrement(), PORT_RANGE);
      if (free(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free TCP port in " + FIRST_PORT + "–"
        + (FIRST_PORT + PORT_RANGE - 1)));
  }

  /**
   * A port for a Redis Cluster node: it and its cluster bus port ({@value #CLUSTER_BUS_OFFSET}
   * above) free a moment ago, both below the kernel's range for outgoing connections, so the bus
   * port is not taken between the check and the node's start (as {@link #freePort} guards the
   * node's own port).
   */
  public static int freeClusterNodePort() {
    for (int attempt = 0; attempt < PORT_RANGE; attempt++) {
      int port = FIRST_PORT + Math.floorMod(nextPort.getAndIncrement(), PORT_RANGE);
      if (port + CLUSTER_BUS_OFFSET < FIRST_OUTGOING_PORT && free(port) && free(port + CLUSTER_BUS_OFFSET)) {
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free TCP port with a free cluster bus port in " + FIRST_PORT
        + "–" + (FIRST_OUTGOING_PORT - CLUSTER_BUS_OFFSET - 1)));
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new java.net.InetSocketAddress(port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private static final int FIRST_PORT = 20_000;
  private static final int PORT_RANGE = 10_000;
  /** Where Linux's default range for outgoing connections starts ({@code ip_local_port_range}). */
  private static final int FIRST_OUTGOING_PORT = 32_768;
  /** A Redis Cluster node's bus listens this far above its port. */
  private static final int CLUSTER_BUS_OFFSET = 10_000;
  private static final java.util.concurrent.atomic.AtomicInteger nextPort =
      new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(PORT_RANGE));

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:port}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the server and returns once it accepts connections (within 20 s). */
  public synchronized void start() {
    if (running()) {
      throw new IllegalStateException("redis-server on port " + port + " is already running");
    }
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(arguments);
    try {
      Files.createDirectories(dir);
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> drain(process, readyLine, ready, output), "redis-server-" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting redis-server", e);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException("redis-server on port " + port + " did not start: " + output, e);
    }
  }

  private static void drain(Process process, String readyLine, CompletableFuture<Void> ready, StringBuilder output) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!ready.isDone()) {
          output.append(line).append('\n');
          if (line.contains(readyLine)) {
            ready.complete(null);
          }
        }
        LOG.trace("redis: {}", line);
      }
    } catch (IOException e) {
      LOG.debug("redis-server output ended: {}", e.getMessage());
    }
    ready.completeExceptionally(new IOException("redis-server exited"));
  }

  /** Kills the server at once ({@code SIGKILL}): no shutdown, no save. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      await();
    }
  }

  /** Stops the server ({@code SIGTERM}) and waits for it to exit. */
  public synchronized void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      await();
    }
  }

  private void await() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
