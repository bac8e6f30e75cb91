package dev.connstate.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Records every command a Redis server runs, with {@code MONITOR} on a dedicated plain socket
 * (RESP by hand, no client library in between). Each recorded {@link Command} carries its source
 * as MONITOR names it ({@code lua} for commands a script ran, else the client's address) and its
 * arguments with MONITOR's C-style escapes undone.
 */
public final class RedisMonitor implements AutoCloseable {
  /** One command as MONITOR reported it: {@code [db source] "NAME" "arg" …}. */
  public record Command(String source, List<String> words) {
    public String name() {
      return words.get(0).toUpperCase();
    }

    public List<String> args() {
      return words.subList(1, words.size());
    }

    public boolean fromScript() {
      return source.equals("lua");
    }

    /** {@code NAME arg arg …}, joined by single spaces. */
    public String render() {
      return name() + (words.size() > 1 ? " " + String.join(" ", args()) : "");
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final List<Command> commands = new ArrayList<>();
  private final Thread reader;
  private volatile IOException failure;

  private RedisMonitor(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.reader = new Thread(this::read, "redis-monitor");
    reader.setDaemon(true);
  }

  /** Connects to 127.0.0.1:{@code port}, sends MONITOR and returns once Redis confirmed it. */
  public static RedisMonitor start(int port) {
    try {
      Socket socket = new Socket("127.0.0.1", port);
      OutputStream out = socket.getOutputStream();
      out.write("*1\r\n$7\r\nMONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RedisMonitor monitor = new RedisMonitor(socket);
      String confirmation = monitor.readLine();
      if (!"+OK".equals(confirmation)) {
        socket.close();
        throw new IllegalStateException("MONITOR answered " + confirmation);
      }
      monitor.reader.start();
      return monitor;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        // MONITOR escapes every byte outside printable ASCII, so the line itself is ASCII
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return null;
  }

  private void read() {
    try {
      String line;
      while ((line = readLine()) != null) {
        if (line.startsWith("+")) {
          Command command = parse(line.substring(1));
          synchronized (commands) {
            commands.add(command);
          }
        }
      }
    } catch (IOException e) {
      if (!socket.isClosed()) {
        failure = e;
      }
    }
  }

  /** Parses one MONITOR line: {@code 1700000000.123456 [0 lua] "HSET" "key" "field" "value"}. */
  static Command parse(String line) {
    int open = line.indexOf('[');
    int close = line.indexOf(']', open);
    String inBrackets = line.substring(open + 1, close);
    String source = inBrackets.substring(inBrackets.indexOf(' ') + 1);
    List<String> words = new ArrayList<>();
    int i = close + 1;
    while (i < line.length()) {
      if (line.charAt(i) != '"') {
        i++;
        continue;
      }
      ByteArrayOutputStream word = new ByteArrayOutputStream();
      i++;
      while (line.charAt(i) != '"') {
        char c = line.charAt(i++);
        if (c != '\\') {
          word.write(c);
          continue;
        }
        char e = line.charAt(i++);
        switch (e) {
          case 'n' -> word.write('\n');
          case 'r' -> word.write('\r');
          case 't' -> word.write('\t');
          case 'a' -> word.write(7);
          case 'b' -> word.write('\b');
          case 'x' -> {
            word.write(Integer.parseInt(line.substring(i, i + 2), 16));
            i += 2;
          }
          default -> word.write(e); // \" and \\
        }
      }
      i++;
      words.add(word.toString(StandardCharsets.UTF_8));
    }
    return new Command(source, words);
  }

  /** Everything recorded so far, in the order Redis ran it. */
  public List<Command> commands() {
    if (failure != null) {
      throw new UncheckedIOException("MONITOR connection failed", failure);
    }
    synchronized (commands) {
      return List.copyOf(commands);
    }
  }

  /** How many commands were recorded so far. */
  public int size() {
    synchronized (commands) {
      return commands.size();
    }
  }

  /** Waits until a command recorded at or after {@code from} matches; returns its index. */
  public int awaitFrom(int from, String what, Predicate<Command> match) {
    int[] found = {-1};
    Await.until(what, Await.DEFAULT, () -> {
      List<Command> all = commands();
      for (int i = from; i < all.size(); i++) {
        if (match.test(all.get(i))) {
          found[0] = i;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  @Override
  public void close() {
    try {
      socket.close();
      reader.join(Duration.ofSeconds(5).toMillis());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
