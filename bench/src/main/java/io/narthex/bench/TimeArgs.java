package io.narthex.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import picocli.CommandLine.ITypeConverter;

/** Parses the generators' durations ({@code 500ms}, {@code 15s}, {@code 5m}, {@code 1h}, {@code 1d}) and times. */
final class TimeArgs {
  private TimeArgs() {}

  static Duration duration(String text) {
    String s = text.strip();
    int unitStart = 0;
    while (unitStart < s.length() && (Character.isDigit(s.charAt(unitStart)) || s.charAt(unitStart) == '.')) {
      unitStart++;
    }
    if (unitStart == 0) {
      throw new IllegalArgumentException("expected a duration like 15s, 5m or 1h, got " + text);
    }
    double amount = Double.parseDouble(s.substring(0, unitStart));
    double unitMs = switch (s.substring(unitStart)) {
      case "ms" -> 1;
      case "s", "" -> 1_000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      case "d" -> 86_400_000;
      default -> throw new IllegalArgumentException("expected a duration like 15s, 5m or 1h, got " + text);
    };
    return Duration.ofMillis(Math.round(amount * unitMs));
  }

  /** {@code now}, RFC 3339 ({@code 2026-01-02T15:04:05Z}) or Unix seconds ({@code 1767366245.5}), in ms. */
  static long timeMs(String text, long nowMs) {
    String s = text.strip();
    if (s.equals("now")) {
      return nowMs;
    }
    if (s.matches("\\d+(\\.\\d+)?")) {
      return Math.round(Double.parseDouble(s) * 1000);
    }
    try {
      return OffsetDateTime.parse(s).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return Instant.parse(s).toEpochMilli();
    }
  }

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return duration(value);
    }
  }
}
