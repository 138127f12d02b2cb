package io.narthex.promql.parser;

/** Prometheus duration strings, as {@code model.ParseDuration}: units y w d h m s ms, each at most once, in order. */
public final class Durations {
  private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
  private static final long[] UNIT_MS = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1};

  private Durations() {}

  /**
   * Parses e.g. {@code 1h30m} or {@code 500ms}; {@code 0} is allowed alone.
   *
   * @return milliseconds
   * @throws IllegalArgumentException {@code not a valid duration string: "<s>"}, or on overflow
   */
  public static long parseMs(String s) {
    if (s.equals("0")) {
      return 0;
    }
    long total = 0;
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
        total = Math.addExact(total, Math.multiplyExact(Long.parseLong(s.substring(i, j)), UNIT_MS[unit]));
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("duration out of range: \"" + s + "\"", e);
      }
      lastUnit = unit;
      i = j + UNITS[unit].length();
    }
    if (lastUnit < 0) {
      throw invalid(s);
    }
    return total;
  }

  private static IllegalArgumentException invalid(String s) {
    return new IllegalArgumentException("not a valid duration string: \"" + s + "\"");
  }
}
