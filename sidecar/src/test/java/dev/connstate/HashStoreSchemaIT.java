package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.connstate.client.ConnStateClient;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.RedisMonitor;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Holds the schema in {@code HashStore}'s class javadoc to what Redis really runs: the
 * {@code <pre>} block is parsed out of the source file, a scenario on handle 42 runs against a
 * real Redis under {@code MONITOR}, and per operation the writes the change script made must be
 * exactly the documented lines, in order (STYLE habit 3).
 */
@DisplayName("The schema in HashStore's javadoc")
class HashStoreSchemaIT {
  private static final String SOURCE = "sidecar/src/main/java/dev/connstate/store/hash/HashStore.java";
  /** The commands that write; reads (EXISTS, HGET, HGETALL, GET …) are left out of the javadoc. */
  private static final Set<String> WRITES =
      Set.of("HSET", "HDEL", "HINCRBY", "PEXPIRE", "SADD", "SREM", "DEL", "SET", "PUBLISH");
  private static final Pattern MILLIS = Pattern.compile("\\b1\\d{12}\\b");
  private static final String ANY = "…";
  private static final String PREFIX = "sharpmush:";
  private static final String INSTANCE = "connsrv-1";
  private static final long HANDLE = 42;
  private static final String ADDRESS = "203.0.113.5:50122";
  private static final String PLAYER = "#5:1700000000000";

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  @BeforeEach
  void flush() {
    redis.call("FLUSHALL");
  }

  @Test
  @DisplayName("lists exactly the writes the change script makes with store.schema = hash")
  void hashSchema() {
    check(false);
  }

  @Test
  @DisplayName("lists exactly the writes the change script makes with store.schema = dual, (dual) lines included")
  void dualSchema() {
    check(true);
  }

  @Test
  @DisplayName("a touch's call sends only op, time and epoch, as one argument: LastConnectionSignal and the sidecar's "
      + "own lease key are filled in by the script (DESIGN §4: derived values are not sent twice)")
  void touchCallCarriesNothingDerived() {
    try (RedisMonitor monitor = RedisMonitor.start(redis.port());
         TestSidecar sidecar = TestSidecar.start(redis, PREFIX, INSTANCE, new JsonObject().put("writeBehindDelayMs", 0))) {
      Await.result(sidecar.client().register(HANDLE, ADDRESS, ADDRESS, "telnet"));
      int from = monitor.size();
      Await.result(sidecar.client().touch(HANDLE));
      // a Redis Function where the server has them (7 and later), else the script by SHA
      String call = redis.majorVersion() >= 7 ? "FCALL" : "EVALSHA";
      int at = monitor.awaitFrom(from, "the touch's " + call, c -> !c.fromScript()
          && c.name().equals(call) && c.args().size() > 3 && c.args().get(3).startsWith("t"));
      List<String> args = monitor.commands().get(at).args();
      assertThat(args.subList(1, 3)).as("one key: the connection's hash").containsExactly("1",
          PREFIX + "conn:{" + HANDLE + "}");
      assertThat(args).as("one argument: op, time and epoch (%s)", args).hasSize(4);
      java.util.regex.Matcher head = java.util.regex.Pattern.compile("t(1\\d{12}):(\\d+)").matcher(args.get(3));
      assertThat(head.matches()).as("op t, the change's time, the epoch: %s", args.get(3)).isTrue();
      String time = head.group(1);
      // MONITOR shows a call as it starts: its write is awaited, not assumed
      Await.until("the script set LastConnectionSignal to the change's time", java.time.Duration.ofSeconds(5),
          () -> time.equals(redis.hgetall(PREFIX + "conn:{" + HANDLE + "}").get("meta:LastConnectionSignal")));
    }
  }

  @Test
  @DisplayName("write-behind changes of several handles due together share one call (batch form): each applied, "
      + "versioned and published as if alone, and a handle gone from Redis answered as gone")
  void writeBehindOfSeveralHandlesSharesOneCall() {
    try (TestSidecar sidecar = TestSidecar.start(redis, PREFIX, INSTANCE,
        // one shard: a batch is one shard's (each has its own Redis connection)
        new JsonObject().put("writeBehindDelayMs", 200).put("shards", 1))) {
      ConnStateClient client = sidecar.client();
      for (long handle : List.of(41L, 42L, 43L, 44L)) {
        Await.result(client.register(handle, ADDRESS, ADDRESS, "telnet"));
      }
      // gone from Redis behind the sidecar's back (as if its hash expired): the batch finds no connection
      redis.call("DEL", PREFIX + "conn:{44}");
      try (RedisMonitor monitor = RedisMonitor.start(redis.port())) {
        int from = monitor.size();
        Await.result(client.touch(41));
        Await.result(client.touch(42));
        Await.result(client.update(43, Map.of("WIDTH", "80")));
        Await.result(client.touch(44));
        String call = redis.majorVersion() >= 7 ? "FCALL" : "EVALSHA";
        int at = monitor.awaitFrom(from, "one " + call + " for the four handles", c -> !c.fromScript()
            && c.name().equals(call) && c.args().size() > 1 && c.args().get(1).equals("4"));
        List<String> args = monitor.commands().get(at).args();
        assertThat(args.subList(2, 6)).as("the four hashes").containsExactly(PREFIX + "conn:{41}",
            PREFIX + "conn:{42}", PREFIX + "conn:{43}", PREFIX + "conn:{44}");
        assertThat(args.get(6)).as("the batch's earliest time and the epoch").matches("\\*1\\d{12}:\\d+");
        List<String> rest = args.subList(7, args.size());
        assertThat(rest).as("per handle its op and time offset, then its arguments").hasSize(7);
        assertThat(rest.get(0)).matches("t\\d+");
        assertThat(rest.get(1)).matches("t\\d+");
        assertThat(rest.get(2)).matches("m\\d+:3");
        assertThat(rest.subList(3, 6)).containsExactly("1", "WIDTH", "80");
        assertThat(rest.get(6)).matches("t\\d+");
        Await.until("every change applied and published once, as if alone", java.time.Duration.ofSeconds(5), () -> {
          List<String> published = monitor.commands().stream().skip(at)
              .filter(c -> c.fromScript() && c.name().equals("PUBLISH")).map(c -> c.args().get(1)).toList();
          return published.size() == 3;
        });
        for (long handle : List.of(41L, 42L, 43L)) {
          Map<String, String> hash = redis.hgetall(PREFIX + "conn:{" + handle + "}");
          assertThat(hash.get("version")).as("handle %d's version", handle).isEqualTo("2");
          if (handle == 43) {
            assertThat(hash.get("meta:WIDTH")).isEqualTo("80");
          } else {
            assertThat(hash.get("meta:LastConnectionSignal")).as("handle %d's touch", handle)
                .isEqualTo(hash.get("lastSeen"));
          }
        }
        List<JsonObject> events = monitor.commands().stream().skip(at)
            .filter(c -> c.fromScript() && c.name().equals("PUBLISH")).map(c -> new JsonObject(c.args().get(1))).toList();
        assertThat(events).extracting(e -> e.getLong("handle") + " " + e.getString("type") + " v" + e.getLong("version"))
            .containsExactly("41 updated v2", "42 updated v2", "43 updated v2");
        assertThat(redis.call("EXISTS", PREFIX + "conn:{44}").toInteger()).as("no hash made for the gone one").isZero();
        Await.until("the sidecar forgot the gone connection", java.time.Duration.ofSeconds(5),
            () -> client.get(44).toCompletionStage().handle((c, e) -> e != null).toCompletableFuture().join());
        assertThat(Await.failure(client.get(44)).failureCode()).as("get of the gone one").isEqualTo(404);
      }
    }
  }

  /**
   * One command of the scenario: the javadoc section it is held to, the type of the event its
   * script call publishes, whether the connection is bound to a player when it runs.
   */
  private record Step(String op, String eventType, boolean bound, Function<TestSidecar, Future<?>> send) {
    static Step of(String op, String eventType, boolean bound, Function<ConnStateClient, Future<?>> send) {
      return new Step(op, eventType, bound, s -> send.apply(s.client()));
    }
  }

  /** The client session's socket of the scenario's last steps (DESIGN §7). */
  private RawBridge sessionSocket;

  /**
   * One documented write; {@code dual}/{@code bound}: made only in dual mode / only when bound.
   * The scenario's connection is always its owner's last, so {@code (last)} lines are always
   * expected.
   */
  private record DocLine(String text, boolean dual, boolean bound) {
    boolean expectedIn(boolean dualMode, boolean boundNow) {
      return (!dual || dualMode) && (!bound || boundNow);
    }

    /** The line with timestamps normalised, {@code …} matching any text and the rest literal. */
    Pattern pattern() {
      String[] parts = normalise(text).split(Pattern.quote(ANY), -1);
      List<String> quoted = new ArrayList<>();
      for (String part : parts) {
        quoted.add(Pattern.quote(part));
      }
      return Pattern.compile(String.join(".*?", quoted), Pattern.DOTALL);
    }
  }

  private List<Step> scenario() {
    Map<String, String> update = new LinkedHashMap<>();
    update.put("WIDTH", "120");
    update.put("GMCP", null);
    return List.of(
        Step.of("register", "registered", false, c -> c.register(HANDLE, ADDRESS, ADDRESS, "telnet")),
        Step.of("bind", "bound", false, c -> c.bind(HANDLE, PLAYER)),
        Step.of("update", "updated", true, c -> c.update(HANDLE, update)),
        Step.of("touch", "updated", true, c -> c.touch(HANDLE)),
        Step.of("unbind", "unbound", true, c -> c.unbind(HANDLE)),
        Step.of("disconnect", "disconnected", false, c -> c.disconnect(HANDLE, "quit")),
        Step.of("register", "registered", false, c -> c.register(HANDLE, ADDRESS, ADDRESS, "telnet")),
        Step.of("bind", "bound", false, c -> c.bind(HANDLE, PLAYER)),
        Step.of("disconnect", "disconnected", true, c -> c.disconnect(HANDLE, "quit")),
        new Step("register", "registered", false, s -> {
          sessionSocket = new RawBridge(s.bridgePort());
          JsonObject reply = sessionSocket.request(Addresses.REGISTER, new JsonObject().put("handle", HANDLE)
              .put("ipAddress", ADDRESS).put("hostname", ADDRESS).put("connectionType", "telnet")
              .put("session", "boot-1"));
          assertThat(reply.getString("type")).as("register over the bridge: %s", reply).isEqualTo("message");
          return Future.succeededFuture();
        }),
        Step.of("bind", "bound", false, c -> c.bind(HANDLE, PLAYER)),
        // the session's last socket closes: after sessionGraceMs its connection expires
        new Step("expire", "expired", true, s -> {
          sessionSocket.close();
          return Future.succeededFuture();
        }));
  }

  private void check(boolean dual) {
    Map<String, List<DocLine>> doc = documentedSchema();
    List<Step> steps = scenario();
    Set<String> unchecked = new LinkedHashSet<>(doc.keySet());
    steps.forEach(s -> unchecked.remove(s.op()));
    assertThat(unchecked).as("operations the javadoc documents but the scenario never runs").isEmpty();

    JsonObject overrides = new JsonObject().put("writeBehindDelayMs", 0).put("sessionGraceMs", 100);
    if (dual) {
      overrides.put("store", new JsonObject().put("schema", "dual"));
    }
    List<String> problems = new ArrayList<>();
    try (RedisMonitor monitor = RedisMonitor.start(redis.port());
         TestSidecar sidecar = TestSidecar.start(redis, PREFIX, INSTANCE, overrides)) {
      int from = 0;
      for (int n = 0; n < steps.size(); n++) {
        Step step = steps.get(n);
        assertThat(doc).as("the javadoc documents %s", step.op()).containsKey(step.op());
        Await.result(step.send().apply(sidecar));
        int end = awaitEnd(monitor, from, step, n);
        List<RedisMonitor.Command> window = monitor.commands().subList(from, end);
        String what = "#" + (n + 1) + " " + step.op() + " (" + (dual ? "dual" : "hash") + ", "
            + (step.bound() ? "bound" : "unbound") + ")";
        compare(what, doc.get(step.op()), dual, step.bound(), window).ifPresent(problems::add);
        from = end + 1;
      }
    }
    if (!problems.isEmpty()) {
      fail("HashStore's javadoc and what Redis ran disagree (" + SOURCE + "):\n\n" + String.join("\n\n", problems));
    }
  }

  /**
   * Waits until the step's script call published its event and then for a marker sent behind
   * it; returns the marker's index, the end of the step's window.
   */
  private static int awaitEnd(RedisMonitor monitor, int from, Step step, int n) {
    String channel = PREFIX + "conn:events";
    String type = "\"type\":\"" + step.eventType() + "\"";
    monitor.awaitFrom(from, step.op() + " published its event", c -> c.fromScript()
        && c.name().equals("PUBLISH") && c.args().get(0).equals(channel) && c.args().get(1).contains(type));
    String marker = "HashStoreSchemaIT: end of step " + (n + 1);
    redis.call("ECHO", marker);
    return monitor.awaitFrom(from, "the marker after " + step.op(),
        c -> c.name().equals("ECHO") && c.args().equals(List.of(marker)));
  }

  /** A description of how the step's writes differ from the javadoc, if they do. */
  private static Optional<String> compare(String what, List<DocLine> section, boolean dual, boolean bound,
                                          List<RedisMonitor.Command> window) {
    List<DocLine> expected = section.stream().filter(l -> l.expectedIn(dual, bound)).toList();
    List<String> recorded = window.stream().filter(c -> c.fromScript() && WRITES.contains(c.name()) && !lease(c))
        .map(RedisMonitor.Command::render).toList();
    List<String> outside = window.stream().filter(c -> !c.fromScript() && WRITES.contains(c.name()) && !lease(c))
        .map(c -> c.render() + "   [from " + c.source() + ", outside the script]").toList();
    int differs = firstDifference(expected, recorded);
    if (differs < 0 && outside.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder(what).append(":\n");
    if (differs >= 0) {
      out.append("  first difference at line ").append(differs + 1).append(" (").append(expected.size())
          .append(" documented, ").append(recorded.size()).append(" recorded)\n");
    }
    out.append("  expected (javadoc):\n");
    expected.forEach(l -> out.append("    ").append(l.text()).append('\n'));
    out.append("  recorded (MONITOR, written by the script):\n");
    recorded.forEach(r -> out.append("    ").append(r).append('\n'));
    if (!outside.isEmpty()) {
      out.append("  written outside the script (nothing should be, in standalone mode):\n");
      outside.forEach(r -> out.append("    ").append(r).append('\n'));
    }
    return Optional.of(out.toString().stripTrailing());
  }

  /** A write of the sidecar's own lease (its renewals run whenever they are due), not of a change. */
  private static boolean lease(RedisMonitor.Command command) {
    return !command.args().isEmpty() && (command.args().get(0).startsWith(PREFIX + "lease:{")
        || command.args().get(0).startsWith(PREFIX + "lease-epoch:{"));
  }

  /** The index of the first recorded write the javadoc does not match, or -1 if all match in number and order. */
  private static int firstDifference(List<DocLine> expected, List<String> recorded) {
    for (int i = 0; i < Math.min(expected.size(), recorded.size()); i++) {
      if (!expected.get(i).pattern().matcher(normalise(recorded.get(i))).matches()) {
        return i;
      }
    }
    return expected.size() == recorded.size() ? -1 : Math.min(expected.size(), recorded.size());
  }

  private static String normalise(String line) {
    return MILLIS.matcher(line).replaceAll("<ms>");
  }

  /** The {@code <pre>} block of HashStore's class javadoc, by operation. */
  static Map<String, List<DocLine>> documentedSchema() {
    String source = read(sourceFile());
    int classAt = source.indexOf("public final class HashStore");
    int pre = source.indexOf("<pre>");
    int endPre = source.indexOf("</pre>", pre);
    assertThat(pre).as("a <pre> block in the class javadoc of " + SOURCE).isBetween(0, classAt);
    assertThat(endPre).as("the end of the <pre> block in " + SOURCE).isBetween(pre, classAt);
    Pattern sectionStart = Pattern.compile("([A-Za-z]+):\\s+(\\S.*)");
    Map<String, List<DocLine>> sections = new LinkedHashMap<>();
    List<DocLine> current = null;
    for (String raw : source.substring(pre + "<pre>".length(), endPre).split("\n")) {
      String line = unescapeHtml(raw.replaceFirst("^\\s*\\*\\s?", "")).stripTrailing();
      if (line.isBlank()) {
        continue;
      }
      Matcher start = sectionStart.matcher(line);
      if (start.matches()) {
        current = new ArrayList<>();
        assertThat(sections.put(start.group(1), current)).as("section %s appears once", start.group(1)).isNull();
        line = start.group(2);
      } else {
        assertThat(current).as("a javadoc line before the first <op>: section: %s", line).isNotNull();
      }
      current.add(docLine(line.strip()));
    }
    assertThat(sections).as("operations documented in " + SOURCE).isNotEmpty();
    return sections;
  }

  private static DocLine docLine(String text) {
    boolean dual = false;
    boolean bound = false;
    while (true) {
      if (text.endsWith(" (dual)")) {
        dual = true;
        text = text.substring(0, text.length() - " (dual)".length()).stripTrailing();
      } else if (text.endsWith(" (last)")) {
        text = text.substring(0, text.length() - " (last)".length()).stripTrailing();
      } else if (text.endsWith(" (bound)")) {
        bound = true;
        text = text.substring(0, text.length() - " (bound)".length()).stripTrailing();
      } else {
        return new DocLine(text, dual, bound);
      }
    }
  }

  private static String unescapeHtml(String text) {
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&#64;", "@").replace("&amp;", "&");
  }

  /** HashStore.java under the project directory ({@code basedir}, else the working directory). */
  private static Path sourceFile() {
    List<String> tried = new ArrayList<>();
    for (String dir : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
      if (dir != null) {
        Path file = Path.of(dir).resolve(SOURCE);
        if (Files.isRegularFile(file)) {
          return file;
        }
        tried.add(file.toString());
      }
    }
    return fail("HashStore.java not found; tried " + tried.stream().collect(Collectors.joining(", ")));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return fail("cannot read " + file, e);
    }
  }
}
