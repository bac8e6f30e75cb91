package dev.connstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code java -XX:+ExitOnOutOfMemoryError -jar target/connstate.jar serve} (or another subcommand) as a child process, the
 * way the README runs it, with only the given CONNSTATE_* variables and, if given, more JVM
 * options ({@code -Xmx256m}). Its output is collected line by line.
 */
public final class JarProcess implements AutoCloseable {
  public static final Path JAR = Path.of(System.getProperty("connstate.jar", "target/connstate.jar"));
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
  private final Process process;

  private record Waiter(Predicate<String> match, CompletableFuture<String> seen) {
  }

  public JarProcess(Map<String, String> env) {
    this(env, "serve");
  }

  /** {@code java -jar target/connstate.jar <args…>}. */
  public JarProcess(Map<String, String> env, String... args) {
    this(env, List.of(), args);
  }

  /**
   * {@code java -XX:+ExitOnOutOfMemoryError <jvmOptions…> -jar target/connstate.jar <args…>}, e.g. with
   * {@code -Xmx256m}; with no args, {@code serve}.
   */
  public JarProcess(Map<String, String> env, List<String> jvmOptions, String... args) {
    assertThat(JAR).as("built by mvn package").exists();
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("java",
        "-XX:+ExitOnOutOfMemoryError"));
    command.addAll(jvmOptions);
    command.addAll(java.util.List.of("-jar", JAR.toString()));
    command.addAll(args.length == 0 ? List.of("serve") : java.util.List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("CONNSTATE_"));
    builder.environment().putAll(env);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread reader = new Thread(this::read, "jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        output.add(line);
        for (Waiter w : waiters) {
          if (w.match().test(line)) {
            w.seen().complete(line);
          }
        }
      }
    } catch (IOException e) {
      output.add("(output ended: " + e + ")");
    }
    ended.complete(null);
    waiters.forEach(w -> w.seen().completeExceptionally(new AssertionError("the process ended first:\n"
        + String.join("\n", output))));
  }

  /** Waits up to {@code seconds} for a line containing {@code text}, and returns it. */
  public String awaitLine(String text, int seconds) throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    waiters.add(new Waiter(l -> l.contains(text), seen));
    output.stream().filter(l -> l.contains(text)).findFirst().ifPresent(seen::complete);
    if (ended.isDone()) {
      seen.completeExceptionally(new AssertionError("the process ended first:\n" + String.join("\n", output)));
    }
    return seen.get(seconds, TimeUnit.SECONDS);
  }

  /** Sends SIGTERM (Process.destroy() would also close our end of its output). */
  public void terminate() {
    assertThat(process.toHandle().destroy()).isTrue();
  }

  /** Sends SIGKILL: the process dies at once, with nothing cleaned up (kill -9). */
  public void kill() {
    assertThat(process.toHandle().destroyForcibly()).isTrue();
  }

  /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill -<signal> <pid>}. */
  public void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s returned", name).isTrue();
      assertThat(kill.exitValue()).as("kill -%s %s", name, process.pid()).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while sending SIG" + name, e);
    }
  }

  /** Waits for the process to exit and its output to end; returns the exit code. */
  public int awaitExit(int seconds) throws Exception {
    assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("exited within %s s", seconds).isTrue();
    ended.get(10, TimeUnit.SECONDS);
    return process.exitValue();
  }

  public List<String> output() {
    return List.copyOf(output);
  }

  /** Lines of output so far: {@code output().subList(mark, …)} is what came after a mark. */
  public int lines() {
    return output.size();
  }

  /** The process id, e.g. to count its open files in {@code /proc/<pid>/fd}. */
  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
