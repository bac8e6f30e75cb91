package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.redis.RedisProcess;
import dev.connstate.testing.RawBridge;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the packaged jar the way the README does: {@code java -jar target/connstate.jar serve}. */
@DisplayName("The packaged jar")
class ServeJarIT {
  static final Path JAR = Path.of(System.getProperty("connstate.jar", "target/connstate.jar"));
  final List<String> output = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> outputEnded = new CompletableFuture<>();
  Process process;

  @AfterEach
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private Process serve(Map<String, String> env, String readyLine, CompletableFuture<String> seen) throws IOException {
    assertThat(JAR).as("built by mvn package").exists();
    ProcessBuilder builder = new ProcessBuilder("java", "-jar", JAR.toString(), "serve").redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("CONNSTATE_"));
    builder.environment().putAll(env);
    Process started = builder.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
          if (line.contains(readyLine)) {
            seen.complete(line);
          }
        }
      } catch (IOException e) {
        seen.completeExceptionally(e);
      }
      outputEnded.complete(null);
      seen.completeExceptionally(new AssertionError("the process ended before '" + readyLine + "':\n"
          + String.join("\n", output)));
    });
    reader.setDaemon(true);
    reader.start();
    return started;
  }

  @Test
  @DisplayName("without CONNSTATE_REDIS_URL serves with an embedded Redis, warns that state is not kept, "
      + "answers health and bridge commands, and stops both on SIGTERM")
  void servesWithEmbeddedRedis() throws Exception {
    int http = RedisProcess.freePort();
    int bridgePort = RedisProcess.freePort();
    CompletableFuture<String> ready = new CompletableFuture<>();
    process = serve(Map.of("CONNSTATE_HTTP_PORT", Integer.toString(http),
        "CONNSTATE_BRIDGE_PORT", Integer.toString(bridgePort), "CONNSTATE_INSTANCE_ID", "jar-it"),
        "connstate ready", ready);
    ready.get(60, TimeUnit.SECONDS);

    String warning = output.stream().filter(l -> l.contains("EMBEDDED Redis")).findFirst().orElseThrow();
    assertThat(output).anyMatch(l -> l.contains("lives only as long as this process"));
    Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(warning);
    assertThat(m.find()).isTrue();
    int redisPort = Integer.parseInt(m.group(1));

    HttpClient client = HttpClient.newHttpClient();
    assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health/live")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + http + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("UP");

    try (RawBridge bridge = new RawBridge(bridgePort)) {
      JsonObject registered = bridge.request(Addresses.REGISTER, new JsonObject().put("handle", 1)
          .put("ipAddress", "127.0.0.1:5000").put("hostname", "localhost").put("connectionType", "telnet"));
      assertThat(registered.getJsonObject("body").getString("owner")).isEqualTo("jar-it");
      JsonObject got = bridge.request(Addresses.GET, new JsonObject().put("handle", 1));
      assertThat(got.getJsonObject("body").getString("state")).isEqualTo("Connected");
    }

    // Process.destroy() would also close our end of its output; the handle only sends SIGTERM
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
    outputEnded.get(10, TimeUnit.SECONDS);
    assertThat(output).anyMatch(l -> l.contains("connstate stopped"));
    assertThat(output).anyMatch(l -> l.contains("embedded Redis stopped"));
    assertThat(portOpen(redisPort)).as("the embedded Redis is stopped too").isFalse();
  }

  @Test
  @DisplayName("refuses to start on an invalid setting, naming the variable, with exit code 2")
  void invalidConfiguration() throws Exception {
    CompletableFuture<String> error = new CompletableFuture<>();
    process = serve(Map.of("CONNSTATE_BRIDGE_PORT", "seven"), "invalid configuration", error);
    assertThat(error.get(30, TimeUnit.SECONDS)).contains("CONNSTATE_BRIDGE_PORT").contains("seven");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
  }

  private static boolean portOpen(int port) {
    try {
      new Socket("127.0.0.1", port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static {
    assert Files.exists(Path.of("pom.xml")) : "run from the project directory";
  }
}
