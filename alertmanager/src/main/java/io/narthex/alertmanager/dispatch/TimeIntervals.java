package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.AlertmanagerConfig.Range;
import io.narthex.alertmanager.AlertmanagerConfig.TimeInterval;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/**
 * Whether an instant lies in a named time interval, as Alertmanager's {@code timeinterval.TimeInterval.ContainsTime}:
 * each field that is set must contain the time, read in the interval's location (UTC by default); days of month may
 * count from the month's end (-1 is the last day) and are clamped to the month.
 */
public final class TimeIntervals {
  private final Map<String, List<TimeInterval>> intervals;

  public TimeIntervals(Map<String, List<TimeInterval>> intervals) {
    this.intervals = Map.copyOf(intervals);
  }

  /**
   * Whether {@code now} is in any entry of any of the named intervals (unknown names contain nothing; the config
   * parser rejects them).
   */
  public boolean anyContains(List<String> names, Instant now) {
    for (String name : names) {
      for (TimeInterval interval : intervals.getOrDefault(name, List.of())) {
        if (contains(interval, now)) {
          return true;
        }
      }
    }
    return false;
  }

  /** {@code ContainsTime} of one entry. */
  public static boolean contains(TimeInterval ti, Instant instant) {
    ZonedDateTime t = instant.atZone(ti.location() == null ? ZoneOffset.UTC : ti.location());
    if (!empty(ti.timesMinutes())) {
      int minute = t.getHour() * 60 + t.getMinute();
      boolean in = false;
      for (Range r : ti.timesMinutes()) {
        if (minute >= r.begin() && minute < r.end()) {
          in = true;
          break;
        }
      }
      if (!in) {
        return false;
      }
    }
    // java.time's Sunday is 7; Go's is 0.
    if (!empty(ti.weekdays()) && !inAny(ti.weekdays(), t.getDayOfWeek().getValue() % 7)) {
      return false;
    }
    if (!empty(ti.daysOfMonth()) && !inDaysOfMonth(ti.daysOfMonth(), t)) {
      return false;
    }
    if (!empty(ti.months()) && !inAny(ti.months(), t.getMonthValue())) {
      return false;
    }
    return empty(ti.years()) || inAny(ti.years(), t.getYear());
  }

  private static boolean inDaysOfMonth(List<Range> ranges, ZonedDateTime t) {
    int daysInMonth = t.toLocalDate().lengthOfMonth();
    for (Range r : ranges) {
      int begin = r.begin() < 0 ? daysInMonth + r.begin() + 1 : r.begin();
      int end = r.end() < 0 ? daysInMonth + r.end() + 1 : r.end();
      if (begin > daysInMonth) {
        continue;
      }
      begin = Math.clamp(begin, -daysInMonth, daysInMonth);
      end = Math.clamp(end, -daysInMonth, daysInMonth);
      if (t.getDayOfMonth() >= begin && t.getDayOfMonth() <= end) {
        return true;
      }
    }
    return false;
  }

  private static boolean inAny(List<Range> ranges, int value) {
    for (Range r : ranges) {
      if (value >= r.begin() && value <= r.end()) {
        return true;
      }
    }
    return false;
  }

  private static boolean empty(List<Range> ranges) {
    return ranges == null || ranges.isEmpty();
  }
}
