package dev.connstate.bench;

import dev.connstate.redis.RedisProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scenario (e), the ceiling: {@code redis-benchmark} HSET on the same Redis in the same run, 50
 * clients, with 16-deep pipelines (what Redis alone does on this machine, which no sidecar can
 * beat: the sidecar pipelines too) and without (one round trip per write, as a naive client
 * does). Needs {@code redis-benchmark} on PATH; without it the figure is reported missing.
 * {@code redis-benchmark} writes the hash {@code myhash}.
 */
final class RedisCeiling {
  private RedisCeiling() {
  }

  /** {@code {"scenario":"redis-benchmark","command":…,"requestsPerSecond":…}}, or with an "error". */
  static JsonObject run(String host, int port, int requests, int pipeline) {
    Path binary = RedisProcess.onPath("redis-benchmark");
    List<String> command = List.of(binary == null ? "redis-benchmark" : binary.toString(), "-h", host, "-p",
        Integer.toString(port), "-t", "hset", "-n", Integer.toString(requests), "-c", "50", "-P", Integer.toString(pipeline),
        "-q", "--csv");
    JsonObject result = new JsonObject().put("scenario", "redis-benchmark").put("pipeline", pipeline)
        .put("command", String.join(" ", command));
    if (binary == null) {
      return result.put("error", "redis-benchmark is not on PATH");
    }
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        return result.put("error", "redis-benchmark failed: " + out.trim());
      }
      for (String line : out.split("\n")) {
        if (line.startsWith("\"HSET\"")) {
          return result.put("requestsPerSecond", Double.parseDouble(line.split(",")[1].replace("\"", "")));
        }
      }
      return result.put("error", "no HSET line in: " + out.trim());
    } catch (IOException e) {
      return result.put("error", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return result.put("error", "interrupted");
    }
  }
}
