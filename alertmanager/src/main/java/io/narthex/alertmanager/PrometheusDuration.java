package io.narthex.alertmanager;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus durations as {@code model.ParseDuration} of prometheus/common reads them: units {@code y} (365d),
 * {@code w}, {@code d}, {@code h}, {@code m}, {@code s}, {@code ms}, each at most once and in that order, and
 * {@code "0"}; no sign, no fractions.
 */
final class PrometheusDuration {
  private static final Pattern FORMAT = Pattern.compile(
      "^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$");
  private static final long[] UNIT_MS = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};

  private PrometheusDuration() {}

  /** @throws InvalidConfigException with prometheus/common's message */
  static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    if (text.isEmpty()) {
      throw new InvalidConfigException("empty duration string");
    }
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new InvalidConfigException("not a valid duration string: \"" + text + "\"");
    }
    long totalMs = 0;
    for (int unit = 0; unit < UNIT_MS.length; unit++) {
      String digits = m.group(2 + 2 * unit);
      if (digits == null) {
        continue;
      }
      try {
        totalMs = Math.addExact(totalMs, Math.multiplyExact(Long.parseLong(digits), UNIT_MS[unit]));
      } catch (ArithmeticException | NumberFormatException e) {
        throw new InvalidConfigException("duration out of range");
      }
    }
    // Go's time.Duration counts nanoseconds in an int64.
    if (totalMs > Long.MAX_VALUE / 1_000_000) {
      throw new InvalidConfigException("duration out of range");
    }
    return Duration.ofMillis(totalMs);
  }
}
