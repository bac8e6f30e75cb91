package dev.connstate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.model.ConnectionRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import jdk.jfr.Recording;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bench profile} reads a real flight recording and attributes its samples. */
@DisplayName("bench profile")
class ProfileCommandTest {

  @Test
  @DisplayName("attributes the samples of a busy event-loop-named thread to the connstate class it ran")
  void summarisesARecording() throws Exception {
    Path file = Files.createTempFile("profile-test", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      recording.start();
      Thread busy = new Thread(() -> {
        long until = System.nanoTime() + 500_000_000L;
        long sink = 0;
        while (System.nanoTime() < until) {
          sink += ConnectionRecord.create(1, "192.0.2.1:23", "host", "telnet", "me", 1L, Map.of("K", "v")).toJson()
              .encode().length();
        }
        System.setProperty("profile-test-sink", Long.toString(sink));
      }, "vert.x-eventloop-thread-test");
      busy.start();
      busy.join();
      recording.stop();
      recording.dump(file);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = new CommandLine(new ProfileCommand()).execute(file.toString());
    } finally {
      System.setOut(original);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(report).isZero();
    assertThat(report).contains("execution samples of vert.x-eventloop* threads", "by stage", "by library",
        "model.ConnectionRecord");
    Files.delete(file);
  }

  @Test
  @DisplayName("a missing recording is exit code 2 with the reason")
  void missingFile() {
    assertThat(new CommandLine(new ProfileCommand()).execute("/nonexistent.jfr")).isEqualTo(2);
  }
}
