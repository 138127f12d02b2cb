package io.narthex.common;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Go's shortest formatting of a float64 ({@code strconv.FormatFloat(v, fmt, -1, 64)}), for the places where Narthex
 * must print a value exactly as Prometheus does: label values made from sample values ({@code count_values}), PromQL
 * warnings ({@code %g}), the text exposition format and the JSON API.
 *
 * <p>Go writes the fewest significant digits that parse back to the same double and, among those, the ones closest to
 * it. {@link Double#toString(double)} (JDK 19 and later) does the same except in one case: when a single digit would
 * do, it may write two that are closer ({@code 4.9E-324} for {@link Double#MIN_VALUE}, where Go writes
 * {@code 5e-324}); {@link #shortest} corrects that case. Special values are written as Go does: {@code NaN},
 * {@code +Inf}, {@code -Inf}, and {@code -0} for negative zero.
 */
public final class GoFloat {
  private GoFloat() {}

  /**
   * {@code strconv.FormatFloat(v, 'f', -1, 64)}: plain decimal notation, never an exponent ({@code 1e-07} is
   * {@code 0.0000001}, {@code 1e21} is {@code 1000000000000000000000}, 5e-324 is {@code 0.}, 323 zeros, {@code 5}).
   */
  public static String formatF(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    Decimal d = shortest(Math.abs(v));
    String plain = new BigDecimal(new BigInteger(d.digits), d.digits.length() - d.pointAt).toPlainString();
    return v < 0 ? "-" + plain : plain;
  }

  /**
   * {@code strconv.FormatFloat(v, 'e', -1, 64)}: one digit before the point, then {@code e}, a sign and at least two
   * exponent digits ({@code 1e-07}, {@code 1.5e+21}, {@code 5e-324}).
   */
  public static String formatE(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    Decimal d = shortest(Math.abs(v));
    StringBuilder out = new StringBuilder(26);
    if (v < 0) {
      out.append('-');
    }
    return appendExponentForm(out, d).toString();
  }

  /**
   * {@code strconv.FormatFloat(v, 'g', -1, 64)}, which is also what Go's {@code fmt} writes for {@code %g}: the
   * {@link #formatE} form when the decimal exponent is below -4 or at least 6 (Go's limit for the shortest
   * precision), else the {@link #formatF} form ({@code 0.0001}, {@code 123456}, {@code 1e+06}, {@code 1e-05}).
   */
  public static String formatG(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    Decimal d = shortest(Math.abs(v));
    int exponent = d.pointAt - 1;
    if (exponent < -4 || exponent >= 6) {
      StringBuilder out = new StringBuilder(26);
      if (v < 0) {
        out.append('-');
      }
      return appendExponentForm(out, d).toString();
    }
    return formatF(v);
  }

  private static String special(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return Double.doubleToRawLongBits(v) < 0 ? "-0" : "0";
    }
    return null;
  }

  private static StringBuilder appendExponentForm(StringBuilder out, Decimal d) {
    out.append(d.digits.charAt(0));
    if (d.digits.length() > 1) {
      out.append('.').append(d.digits, 1, d.digits.length());
    }
    int exponent = d.pointAt - 1;
    out.append('e').append(exponent < 0 ? '-' : '+');
    int magnitude = Math.abs(exponent);
    if (magnitude < 10) {
      out.append('0');
    }
    return out.append(magnitude);
  }

  /** A positive decimal {@code 0.digits × 10^pointAt}; {@code digits} has no leading or trailing zeros. */
  record Decimal(String digits, int pointAt) {}

  /** The shortest decimal that reads back as {@code abs} (positive and finite), the closest of them to it. */
  static Decimal shortest(double abs) {
    BigDecimal java = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
    String digits = java.unscaledValue().toString();
    int pointAt = digits.length() - java.scale();
    if (digits.length() != 2) {
      return new Decimal(digits, pointAt);
    }
    // Java wrote two digits; one may read back too (Double.toString picks among one- and two-digit decimals).
    BigDecimal exact = new BigDecimal(abs);
    int first = digits.charAt(0) - '0';
    Decimal best = null;
    BigDecimal bestDistance = null;
    for (int candidate = first; candidate <= first + 1; candidate++) {
      Decimal d = candidate == 10 ? new Decimal("1", pointAt + 1) : new Decimal(Integer.toString(candidate), pointAt);
      BigDecimal value = new BigDecimal(d.digits).scaleByPowerOfTen(d.pointAt - 1);
      if (value.doubleValue() != abs) {
        continue;
      }
      BigDecimal distance = value.subtract(exact).abs();
      if (best == null || distance.compareTo(bestDistance) < 0) {
        best = d;
        bestDistance = distance;
      }
    }
    return best != null ? best : new Decimal(digits, pointAt);
  }
}
