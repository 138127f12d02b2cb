package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine;

/** Prometheus durations such as {@code 90s}, {@code 1h30m} or {@code 500ms}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return Duration.ofMillis(io.narthex.promql.parser.Durations.parseMs(value));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(
          "invalid duration '" + value + "': expected a Prometheus duration such as 30s, 5m or 1h30m");
    }
  }
}
