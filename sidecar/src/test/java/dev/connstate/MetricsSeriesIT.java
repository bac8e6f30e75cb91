package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.connstate.testing.Http;
import dev.connstate.testing.SeriesUses;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An alert on {@code rate(x[5m]) > 0} or a panel on {@code x} sees nothing until {@code x} is
 * exported. This scrapes a sidecar that has just started and served no command, and checks
 * every series the alert rules and the dashboard query (as {@link SeriesUses} reads them) is
 * there, with every label they aggregate it by.
 */
@DisplayName("Series the alert rules and the dashboard query, on a fresh sidecar")
class MetricsSeriesIT {
  /** name, then the labels (if any), then the value of one sample line. */
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)( \\S+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

  /** One sample of the scrape: its series name, label names and value. */
  private record Sample(String name, Set<String> labels, double value) {
  }

  private static List<Sample> scrape;

  @BeforeAll
  static void scrapeAFreshSidecar() {
    try (TestRedis redis = TestRedis.start();
         TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("series"), "series")) {
      scrape = parse(Http.get(sidecar.sidecar().httpPort(), "/metrics").body());
    }
  }

  @Test
  @DisplayName("the sidecar scraped has answered no command: every connstate_commands_total series is 0")
  void servedNoCommand() {
    assertThat(scrape).filteredOn(s -> s.name().equals("connstate_commands_total")).isNotEmpty()
        .allSatisfy(s -> assertThat(s.value()).as("%s", s).isZero());
  }

  @Test
  @DisplayName("the rules and the dashboard are read: they query the labelled counters by the labels they are known to")
  void readsTheRulesAndTheDashboard() {
    assertThat(SeriesUses.alertRules()).extracting(SeriesUses.Use::series, SeriesUses.Use::byLabels)
        .contains(tuple("connstate_redis_latency_seconds", Set.of()),
            tuple("connstate_redis_write_failures_total", Set.of("path", "reason")));
    assertThat(SeriesUses.dashboards()).extracting(SeriesUses.Use::series, SeriesUses.Use::byLabels)
        .contains(tuple("connstate_commands_total", Set.of("address", "outcome")),
            tuple("connstate_redis_write_failures_total", Set.of("path", "reason")),
            tuple("connstate_events_received_total", Set.of("origin")),
            tuple("connstate_command_duration_seconds_bucket", Set.of("le", "address")),
            tuple("connstate_ready", Set.of()));
  }

  @Test
  @DisplayName("every connstate_ series an alert rule's expression uses is exported, with the labels it sums by")
  void alertRuleSeriesExist() {
    assertThat(missing(SeriesUses.alertRules())).as("series the alert rules use that a fresh sidecar lacks")
        .isEmpty();
  }

  @Test
  @DisplayName("every connstate_ series a dashboard query uses is exported, with the labels it sums by")
  void dashboardSeriesExist() {
    assertThat(missing(SeriesUses.dashboards())).as("series the dashboard uses that a fresh sidecar lacks")
        .isEmpty();
  }

  /** What the scrape lacks for {@code uses}: one line per missing series or label, naming who uses it. */
  private static List<String> missing(List<SeriesUses.Use> uses) {
    assertThat(uses).as("series found in the files").isNotEmpty();
    Map<String, Set<String>> labels = new TreeMap<>();
    scrape.forEach(s -> labels.computeIfAbsent(s.name(), n -> new TreeSet<>()).addAll(s.labels()));
    List<String> missing = new ArrayList<>();
    for (SeriesUses.Use use : uses) {
      Set<String> exported = labels.get(use.series());
      if (exported == null) {
        missing.add(use.series() + " is not exported; used by " + use.user());
        continue;
      }
      for (String label : use.byLabels()) {
        if (!exported.contains(label)) {
          missing.add(use.series() + " has no series with label " + label + "; used by " + use.user());
        }
      }
    }
    return missing;
  }

  private static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line: %s", line).isTrue();
      Set<String> names = new TreeSet<>();
      if (m.group(2) != null) {
        LABEL.matcher(m.group(2)).results().forEach(l -> names.add(l.group(1)));
      }
      samples.add(new Sample(m.group(1), names, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))));
    }
    return samples;
  }
}
