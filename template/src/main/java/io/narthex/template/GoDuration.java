package io.narthex.template;

/**
 * A Go {@code time.Duration} (nanoseconds), which {@code toDuration} and {@code since} return: printed as Go's
 * {@code Duration.String} writes it ({@code 1h2m3.5s}, {@code 1.5ms}, {@code 0s}), with Go's methods {@code Hours},
 * {@code Minutes} and {@code Seconds} (float64), {@code Milliseconds}, {@code Microseconds} and
 * {@code Nanoseconds} (int64) and {@code String}.
 */
record GoDuration(long nanos) implements GoTyped, GoStringer, GoMethods {
  private static final long SECOND = 1_000_000_000L;

  @Override
  public GoMethod goMethod(String name) {
    return switch (name) {
      case "Hours" -> GoMethod.of(args -> fraction(3600 * SECOND));
      case "Minutes" -> GoMethod.of(args -> fraction(60 * SECOND));
      case "Seconds" -> GoMethod.of(args -> fraction(SECOND));
      case "Milliseconds" -> GoMethod.of(args -> nanos / 1_000_000L);
      case "Microseconds" -> GoMethod.of(args -> nanos / 1_000L);
      case "Nanoseconds" -> GoMethod.of(args -> nanos);
      case "String" -> GoMethod.of(args -> toString());
      default -> null;
    };
  }

  /** Go's whole units plus the remainder's fraction, which keeps precision for long durations. */
  private double fraction(long unit) {
    return (double) (nanos / unit) + (double) (nanos % unit) / unit;
  }

  @Override
  public String goTypeName() {
    return "time.Duration";
  }

  @Override
  public String goString() {
    return toString();
  }

  @Override
  public String toString() {
    if (nanos == 0) {
      return "0s";
    }
    boolean negative = nanos < 0;
    // Long.MIN_VALUE stays negative; its magnitude is read unsigned below.
    long u = negative ? -nanos : nanos;
    StringBuilder out = new StringBuilder();
    if (Long.compareUnsigned(u, 1_000_000_000L) < 0) {
      String unit;
      int precision;
      if (u < 1_000L) {
        unit = "ns";
        precision = 0;
      } else if (u < 1_000_000L) {
        unit = "µs";
        precision = 3;
      } else {
        unit = "ms";
        precision = 6;
      }
      out.append(whole(u, precision)).append(fraction(u, precision)).append(unit);
    } else {
      long seconds = Long.divideUnsigned(u, 1_000_000_000L);
      String fraction = fraction(u, 9);
      long minutes = seconds / 60;
      long hours = minutes / 60;
      if (hours > 0) {
        out.append(hours).append('h');
      }
      if (minutes > 0) {
        out.append(minutes % 60).append('m');
      }
      out.append(seconds % 60).append(fraction).append('s');
    }
    return negative ? "-" + out : out.toString();
  }

  private static String whole(long u, int precision) {
    return Long.toUnsignedString(Long.divideUnsigned(u, pow10(precision)));
  }

  /** The digits after the point of u / 10^precision without trailing zeros, with the point; "" when none. */
  private static String fraction(long u, int precision) {
    if (precision == 0) {
      return "";
    }
    long frac = Long.remainderUnsigned(u, pow10(precision));
    if (frac == 0) {
      return "";
    }
    String digits = Long.toString(frac);
    digits = "0".repeat(precision - digits.length()) + digits;
    int end = digits.length();
    while (digits.charAt(end - 1) == '0') {
      end--;
    }
    return "." + digits.substring(0, end);
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }
}
