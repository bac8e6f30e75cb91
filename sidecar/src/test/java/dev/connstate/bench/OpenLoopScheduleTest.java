package dev.connstate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The open loop sends each unit when its moment comes, not one interval later: that lag was
 * counted as latency (at 100 units/s per connection, 10 ms on every first request).
 */
@DisplayName("Open-loop schedule")
class OpenLoopScheduleTest {

  @Test
  @DisplayName("unit k is due from k / rate seconds on, and not before")
  void unitsAreDueAtTheirMoment() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(100);
    assertThat(schedule.dueBy(0)).as("unit 0 at the start").isEqualTo(1);
    assertThat(schedule.dueBy(9_999_999)).as("unit 1 not before 10 ms").isEqualTo(1);
    assertThat(schedule.dueBy(10_000_000)).as("unit 1 at 10 ms").isEqualTo(2);
    assertThat(schedule.dueBy(1_000_000_000)).as("101 units in the first second, both ends included")
        .isEqualTo(101);
    for (double rate : new double[] {100, 3, 1250, 104.1667, 20_000}) {
      OpenLoopSchedule s = new OpenLoopSchedule(rate);
      for (long k = 1; k < 5000; k++) {
        long moment = s.intendedOffsetNanos(k);
        assertThat(s.dueBy(moment)).as("rate %s: unit %d is due at its moment", rate, k).isEqualTo(k + 1);
        assertThat(s.dueBy(moment - 1)).as("rate %s: unit %d is not due before it", rate, k).isEqualTo(k);
      }
    }
  }
}
