package io.narthex.alertmanager;

import static io.narthex.alertmanager.ConfigNode.schema;
import static io.narthex.alertmanager.ConfigNode.withPath;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.alertmanager.AlertmanagerConfig.Range;
import io.narthex.alertmanager.AlertmanagerConfig.TimeInterval;
import io.narthex.alertmanager.ConfigNode.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * One entry of a named time interval's {@code time_intervals}, read and checked as Alertmanager 0.25's
 * {@code timeinterval/timeinterval.go} does, with its messages.
 */
final class TimeIntervalParser {
  private static final Pattern CLOCK = Pattern.compile("^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)");
  private static final List<String> WEEKDAYS = List.of("sunday", "monday", "tuesday", "wednesday", "thursday",
      "friday", "saturday");
  private static final List<String> MONTHS = List.of("january", "february", "march", "april", "may", "june", "july",
      "august", "september", "october", "november", "december");
  private static final Map<String, Kind> TIME_INTERVAL = schema("times", Kind.NESTED, "weekdays", Kind.STRING_LIST,
      "days_of_month", Kind.STRING_LIST, "months", Kind.STRING_LIST, "years", Kind.STRING_LIST, "location",
      Kind.STRING);
  private static final Map<String, Kind> TIME_RANGE = schema("start_time", Kind.STRING, "end_time", Kind.STRING);
  private TimeIntervalParser() {}

  /** @throws InvalidConfigException naming the field and its path */
  static TimeInterval parse(JsonNode node, String path) {
    ConfigNode c = new ConfigNode(node, path, TIME_INTERVAL);
    List<Range> times = new ArrayList<>();
    List<JsonNode> timeNodes = c.list("times");
    for (int i = 0; i < timeNodes.size(); i++) {
      ConfigNode range = new ConfigNode(timeNodes.get(i), c.at("times") + "[" + i + "]", TIME_RANGE);
      String start = range.string("start_time");
      String end = range.string("end_time");
      if (start == null || start.isEmpty() || end == null || end.isEmpty()) {
        throw new InvalidConfigException("both start and end times must be provided (" + range.path + ")");
      }
      int startMinutes = minuteOfDay(start, range.path);
      int endMinutes = minuteOfDay(end, range.path);
      if (startMinutes >= endMinutes) {
        throw new InvalidConfigException("start time cannot be equal or greater than end time (" + range.path + ")");
      }
      times.add(new Range(startMinutes, endMinutes));
    }
    List<Range> weekdays = new ArrayList<>();
    for (String text : c.strings("weekdays")) {
      Range r = withPath(() -> range(text, member -> {
        int day = WEEKDAYS.indexOf(member);
        if (day < 0) {
          throw new InvalidConfigException(member + " is not a valid weekday");
        }
        return day;
      }), c.at("weekdays"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("start day cannot be before end day (" + c.at("weekdays") + ")");
      }
      weekdays.add(r);
    }
    List<Range> days = new ArrayList<>();
    for (String text : c.strings("days_of_month")) {
      Range r = withPath(() -> range(text, member -> integer(member, " is not a valid day of the month")),
          c.at("days_of_month"));
      for (int day : new int[] {r.begin(), r.end()}) {
        if (day == 0 || day < -31 || day > 31) {
          throw new InvalidConfigException(day + " is not a valid day of the month: out of range ("
              + c.at("days_of_month") + ")");
        }
      }
      if (r.begin() < 0 && r.end() > 0) {
        throw new InvalidConfigException("end day must be negative if start day is negative ("
            + c.at("days_of_month") + ")");
      }
      // Negative days count from a 28-day month, so that only ranges wrong in every month are refused.
      int begin = r.begin() < 0 ? 28 + r.begin() : r.begin();
      int end = r.end() < 0 ? 28 + r.end() : r.end();
      if (begin > end) {
        throw new InvalidConfigException("end day " + r.end() + " is always before start day " + r.begin() + " ("
            + c.at("days_of_month") + ")");
      }
      days.add(r);
    }
    List<Range> months = new ArrayList<>();
    for (String text : c.strings("months")) {
      Range r = withPath(() -> range(text, member -> {
        int month = MONTHS.indexOf(member);
        return month >= 0 ? month + 1 : integer(member, " is not a valid month");
      }), c.at("months"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("end month " + r.end() + " is before start month " + r.begin() + " ("
            + c.at("months") + ")");
      }
      months.add(r);
    }
    List<Range> years = new ArrayList<>();
    for (String text : c.strings("years")) {
      Range r = withPath(() -> range(text, member -> integer(member, " is not a valid year")), c.at("years"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("end year " + r.end() + " is before start year " + r.begin() + " ("
            + c.at("years") + ")");
      }
      years.add(r);
    }
    java.time.ZoneId location = java.time.ZoneOffset.UTC;
    String zone = c.string("location");
    if (zone != null && !zone.isEmpty() && !zone.equals("UTC")) {
      if (zone.equals("Local")) {
        location = java.time.ZoneId.systemDefault();
      } else if (java.time.ZoneId.getAvailableZoneIds().contains(zone)) {
        location = java.time.ZoneId.of(zone);
      } else {
        throw new InvalidConfigException("unknown time zone " + zone + " (" + c.at("location") + ")");
      }
    }
    return new TimeInterval(List.copyOf(times), List.copyOf(weekdays), List.copyOf(days), List.copyOf(months),
        List.copyOf(years), location);
  }

  private static int minuteOfDay(String clock, String path) {
    if (!CLOCK.matcher(clock).find()) {
      throw new InvalidConfigException("couldn't parse timestamp " + clock + ", invalid format (" + path + ")");
    }
    return Integer.parseInt(clock.substring(0, 2)) * 60 + Integer.parseInt(clock.substring(3, 5));
  }

  /** Alertmanager's {@code stringableRangeFromString}: one member or {@code begin:end}, lower-cased. */
  private static Range range(String text, ToIntFunction<String> member) {
    String in = text.toLowerCase(Locale.ROOT);
    if (in.indexOf(':') >= 0) {
      String[] parts = in.split(":", -1);
      if (parts.length != 2) {
        throw new InvalidConfigException("couldn't parse range \"" + in + "\", invalid format");
      }
      return new Range(member.applyAsInt(parts[0]), member.applyAsInt(parts[1]));
    }
    int value = member.applyAsInt(in);
    return new Range(value, value);
  }

  /** Go's {@code strconv.Atoi}: an optional sign and decimal digits. */
  private static int integer(String text, String error) {
    if (!text.matches("[+-]?[0-9]+")) {
      throw new InvalidConfigException(text + error);
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(text + error);
    }
  }
}
