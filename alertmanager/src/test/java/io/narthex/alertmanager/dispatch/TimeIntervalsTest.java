package io.narthex.alertmanager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.AlertmanagerConfig;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeIntervalsTest {
  private static TimeIntervals intervals(String body) {
    return new TimeIntervals(AlertmanagerConfig.parse(
        "route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: t\n    time_intervals:\n" + body)
        .timeIntervals());
  }

  private static boolean in(TimeIntervals t, String instant) {
    return t.anyContains(List.of("t"), Instant.parse(instant));
  }

  @Test
  void weekdaysAndTimesAreReadInTheIntervalsLocation() {
    TimeIntervals t = intervals("""
              - weekdays: ['monday:friday']
                times: [{start_time: '09:00', end_time: '17:00'}]
                location: Asia/Tokyo
        """);
    // Monday 2026-03-02 09:30 in Tokyo is 00:30 UTC.
    assertThat(in(t, "2026-03-02T00:30:00Z")).isTrue();
    assertThat(in(t, "2026-03-02T08:00:00Z")).as("17:00 is the exclusive end").isFalse();
    // Sunday 2026-03-01 10:00 in Tokyo.
    assertThat(in(t, "2026-03-01T01:00:00Z")).isFalse();
  }

  @Test
  void negativeDaysOfMonthCountFromTheMonthsEnd() {
    TimeIntervals t = intervals("""
              - days_of_month: ['-2:-1']
        """);
    assertThat(in(t, "2026-02-27T12:00:00Z")).isTrue();
    assertThat(in(t, "2026-02-28T12:00:00Z")).isTrue();
    assertThat(in(t, "2026-02-26T12:00:00Z")).isFalse();
    assertThat(in(t, "2026-03-30T12:00:00Z")).isTrue();
    assertThat(in(t, "2026-03-29T12:00:00Z")).isFalse();
  }

  @Test
  void monthsYearsAndUnknownNames() {
    TimeIntervals t = intervals("""
              - months: ['may:june']
                years: ['2026']
        """);
    assertThat(in(t, "2026-05-31T23:59:00Z")).isTrue();
    assertThat(in(t, "2027-05-31T23:59:00Z")).isFalse();
    assertThat(t.anyContains(List.of("other"), Instant.parse("2026-05-31T23:59:00Z"))).isFalse();
  }
}
