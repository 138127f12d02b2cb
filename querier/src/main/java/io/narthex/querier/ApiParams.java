package io.narthex.querier;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** Parses API parameters as Prometheus's web/api/v1 does, with its error texts. */
final class ApiParams {
  /** Prometheus's minTime/maxTime, as used when start or end are omitted. */
  static final long MIN_TIME_MS = -9223309901257974L;
  static final long MAX_TIME_MS = 9223309901257974L;

  private static final Pattern DURATION = Pattern.compile(
      "^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$");

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
    var m = DURATION.matcher(value);
    if (value.isEmpty() || !m.matches()) {
      throw badParameter(parameter, "cannot parse \"" + value + "\" to a valid duration");
    }
    long[] unitsMs = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1};
    long total = 0;
    for (int i = 0; i < unitsMs.length; i++) {
      String group = m.group(2 * i + 2);
      if (group != null) {
        total = Math.addExact(total, Math.multiplyExact(Long.parseLong(group), unitsMs[i]));
      }
    }
    return total;
  }

  static PromQLException badParameter(String parameter, String message) {
    return new PromQLException(ErrorType.BAD_DATA, "invalid parameter \"" + parameter + "\": " + message);
  }
}
