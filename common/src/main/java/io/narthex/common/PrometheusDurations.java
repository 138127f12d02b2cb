package io.narthex.common;

/**
 * Prometheus duration strings, as prometheus/common's {@code model.ParseDuration} reads them: a sequence of
 * {@code <digits><unit>} with units {@code y} (365 days), {@code w}, {@code d}, {@code h}, {@code m}, {@code s} and
 * {@code ms}, each at most once and in that order, or {@code 0} alone; no sign, no fraction. The one parser behind
 * PromQL literals, flags, rule groups and Alertmanager configs.
 */
public final class PrometheusDurations {
  private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
  private static final long[] UNIT_MS = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1};
  /** Go's time.Duration counts nanoseconds in an int64. */
  private static final long MAX_MS = Long.MAX_VALUE / 1_000_000;

  private PrometheusDurations() {}

  /**
   * Parses e.g. {@code 1h30m} or {@code 500ms}.
   *
   * @return milliseconds, at most about 292 years
   * @throws IllegalArgumentException with model.ParseDuration's message: {@code empty duration string},
   *     {@code not a valid duration string: "<s>"} or {@code duration out of range}
   */
  public static long parseMs(String s) {
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration string");
    }
    long totalMs = 0;
    int i = 0;
    int lastUnit = -1;
    while (i < s.length()) {
      int j = i;
      while (j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
        j++;
      }
      if (j == i || j == s.length()) {
        throw invalid(s);
      }
      int unit = s.startsWith("ms", j) ? 6 : "ywdhms".indexOf(s.charAt(j));
      if (unit <= lastUnit) {
        throw invalid(s);
      }
      try {
        totalMs = Math.addExact(totalMs, Math.multiplyExact(Long.parseLong(s.substring(i, j)), UNIT_MS[unit]));
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("duration out of range", e);
      }
      lastUnit = unit;
      i = j + UNITS[unit].length();
    }
    if (totalMs > MAX_MS) {
      throw new IllegalArgumentException("duration out of range");
    }
    return totalMs;
  }

  private static IllegalArgumentException invalid(String s) {
    return new IllegalArgumentException("not a valid duration string: \"" + s + "\"");
  }
}
