package dev.connstate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("docs/operations.md")
class OperationsDocTest {

  @Test
  @DisplayName("explains every metric the sidecar defines and every alert the rules define")
  void coversMetricsAndAlerts() throws Exception {
    String doc = Files.readString(Path.of("docs/operations.md"));
    for (String name : MetricNames.all().keySet()) {
      assertThat(doc).as("metric %s", name).contains("`" + name.replace('.', '_'));
    }
    Matcher alerts = Pattern.compile("- alert: (\\w+)").matcher(Files.readString(Path.of("config/prometheus/alerts.yml")));
    int count = 0;
    while (alerts.find()) {
      assertThat(doc).as("alert %s", alerts.group(1)).contains("`" + alerts.group(1) + "`");
      count++;
    }
    assertThat(count).isGreaterThanOrEqualTo(5);
  }
}
