package io.narthex.querier;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.promql.parser.Durations;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Parses API parameters as Prometheus's web/api/v1 does, with its error texts. */
final class ApiParams {
  /** Prometheus's minTime/maxTime, as used when start or end are omitted. */
  static final long MIN_TIME_MS = -9223309901257974L;
  static final long MAX_TIME_MS = 9223309901257974L;


  private ApiParams() {}

  /** Unix seconds with an optional fraction, or RFC 3339; returns milliseconds. */
  static long parseTime(String parameter, String value) {
    try {
      BigDecimal seconds = new BigDecimal(value.trim());
      return seconds.movePointRight(3).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    } catch (NumberFormatException | ArithmeticException notANumber) {
      // Not a number: try RFC 3339 below.
    }
    try {
      return OffsetDateTime.parse(value).toInstant().toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw badParameter(parameter, "cannot parse \"" + value + "\" to a valid timestamp");
    }
  }

  /** Seconds with an optional fraction, or a Prometheus duration such as {@code 1m30s}; returns milliseconds. */
  static long parseDuration(String parameter, String value) {
    try {
      BigDecimal seconds = new BigDecimal(value.trim());
      BigDecimal ms = seconds.movePointRight(3);
      if (ms.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
        throw badParameter(parameter, "cannot parse \"" + value + "\" to a valid duration. It overflows int64");
      }
      return ms.setScale(0, RoundingMode.HALF_EVEN).longValue();
    } catch (NumberFormatException notANumber) {
      // Not a number: try a Prometheus duration below.
    }
    try {
      return Durations.parseMs(value);
    } catch (IllegalArgumentException e) {
      throw badParameter(parameter, "cannot parse \"" + value + "\" to a valid duration");
    }
  }

  static PromQLException badParameter(String parameter, String message) {
    return new PromQLException(ErrorType.BAD_DATA, "invalid parameter \"" + parameter + "\": " + message);
  }
}
