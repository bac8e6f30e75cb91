package dev.connstate.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code connstate bench profile}: where a sidecar's CPU went, from a Java Flight Recorder
 * recording ({@code bench suite --profile} makes them). Counts the execution samples of the
 * event-loop threads by the stage of a command they were in (the innermost connstate frame's
 * package and class) and by what the code was doing (JSON, Redis client, event bus, netty …).
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Summarise a JFR recording of a sidecar: CPU samples by stage and by library.")
final class ProfileCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RECORDING", description = "A .jfr file.")
  Path recording;

  @Option(names = "--top", defaultValue = "15", description = "Lines per table (default ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--threads", defaultValue = "vert.x-eventloop",
      description = "Only samples of threads whose name starts with this (default ${DEFAULT-VALUE}).")
  String threads;

  /** Libraries by package prefix, checked in order against the sampled (innermost) frame. */
  private static final List<String[]> LIBRARIES = List.of(
      new String[] {"com.fasterxml.jackson", "JSON (Jackson)"}, new String[] {"io.vertx.core.json", "JSON (Vert.x)"},
      new String[] {"io.vertx.redis", "Redis client"}, new String[] {"io.vertx.core.eventbus", "event bus"},
      new String[] {"io.micrometer", "metrics"}, new String[] {"io.vertx.micrometer", "metrics"},
      new String[] {"io.netty.buffer", "netty buffers"}, new String[] {"io.netty", "netty I/O and tasks"},
      new String[] {"sun.nio", "netty I/O and tasks"}, new String[] {"io.vertx", "Vert.x core"},
      new String[] {"dev.connstate", "connstate"}, new String[] {"java.util", "JDK collections"},
      new String[] {"java.lang", "JDK strings, boxing, lambdas"}, new String[] {"", "other"});

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(recording)) {
      System.err.println("RECORDING: no such file " + recording);
      return 2;
    }
    Map<String, Integer> byStage = new HashMap<>();
    Map<String, Integer> byLibrary = new HashMap<>();
    Map<String, Integer> byMethod = new HashMap<>();
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      String thread = event.getThread("sampledThread") == null ? "" : event.getThread("sampledThread").getJavaName();
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty() || thread == null || !thread.startsWith(threads)) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = stack.getFrames();
      String innermost = name(frames.get(0));
      byLibrary.merge(library(innermost), 1, Integer::sum);
      byMethod.merge(innermost, 1, Integer::sum);
      byStage.merge(stage(frames), 1, Integer::sum);
    }
    if (samples == 0) {
      System.err.println("no execution samples of threads named " + threads + "* in " + recording);
      return 1;
    }
    System.out.printf(Locale.ROOT, "%,d execution samples of %s* threads in %s%n", samples, threads, recording);
    print("by stage (innermost connstate class on the stack)", byStage, samples);
    print("by library (the sampled frame)", byLibrary, samples);
    print("by method (the sampled frame)", byMethod, samples);
    return 0;
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static String library(String method) {
    for (String[] library : LIBRARIES) {
      if (method.startsWith(library[0])) {
        return library[1];
      }
    }
    return "other";
  }

  private static String stage(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      if (type.startsWith("dev.connstate.")) {
        String simple = type.substring("dev.connstate.".length());
        int lambda = simple.indexOf("$$Lambda");
        return lambda < 0 ? simple : simple.substring(0, lambda);
      }
    }
    return "(no connstate frame: Vert.x/netty scheduling and I/O)";
  }

  private void print(String title, Map<String, Integer> counts, int samples) {
    System.out.println();
    System.out.println(title);
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * e.getValue() / samples, e.getKey()));
  }
}
