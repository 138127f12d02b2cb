package io.narthex.template;

import io.narthex.common.GoFloat;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * Go's {@code strconv} for float64: {@code ParseFloat}, with its syntax and error messages, and {@code FormatFloat}
 * with any precision, which {@link GoFmt}'s float verbs print: the exact binary value rounded half to even, or the
 * shortest digits that read back ({@link GoFloat}) for precision -1.
 */
final class GoStrconv {
  private GoStrconv() {}

  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
  private static final Pattern HEX =
      Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)[pP][+-]?[0-9]+");

  /** {@code strconv.ParseFloat(s, 64)}; the exception carries Go's message. */
  static double parseFloat(String s) throws Exception {
    String body = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
    String lower = body.toLowerCase(java.util.Locale.ROOT);
    if (lower.equals("inf") || lower.equals("infinity")) {
      return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (s.equalsIgnoreCase("nan")) {
      return Double.NaN;
    }
    if (!DECIMAL.matcher(s).matches() && !HEX.matcher(s).matches()) {
      throw new Exception("strconv.ParseFloat: parsing " + GoStrings.quote(s) + ": invalid syntax");
    }
    double v = Double.parseDouble(s);
    if (Double.isInfinite(v)) {
      throw new Exception("strconv.ParseFloat: parsing " + GoStrings.quote(s) + ": value out of range");
    }
    return v;
  }

  /** Digits of a positive decimal: {@code 0.digits × 10^pointAt}, no trailing zeros ("" and 0 for zero). */
  private record Digits(String digits, int pointAt) {}

  /**
   * {@code strconv.FormatFloat(v, fmt, precision, 64)} for {@code fmt} in {@code e E f g G}; precision -1 is the
   * shortest representation that reads back as v.
   */
  static String formatFloat(double v, char fmt, int precision) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    boolean negative = Double.doubleToRawLongBits(v) < 0;
    double abs = Math.abs(v);
    if (fmt == 'x' || fmt == 'X') {
      return (negative ? "-" : "") + hexFloat(abs, precision, fmt == 'X');
    }
    boolean shortest = precision < 0;
    Digits d;
    if (shortest) {
      d = shortestDigits(abs);
      precision = switch (fmt) {
        case 'e', 'E' -> Math.max(d.digits.length() - 1, 0);
        case 'f' -> Math.max(d.digits.length() - d.pointAt, 0);
        default -> d.digits.length();
      };
    } else {
      d = switch (fmt) {
        case 'e', 'E' -> rounded(abs, precision + 1);
        case 'f' -> roundedDecimals(abs, precision);
        default -> rounded(abs, precision == 0 ? 1 : precision);
      };
      if ((fmt == 'g' || fmt == 'G') && precision == 0) {
        precision = 1;
      }
    }
    StringBuilder out = new StringBuilder(24);
    if (negative) {
      out.append('-');
    }
    switch (fmt) {
      case 'e', 'E' -> appendE(out, d, precision, fmt);
      case 'f' -> appendF(out, d, precision);
      default -> {
        int exponentPrecision = precision;
        if (exponentPrecision > d.digits.length() && d.digits.length() >= d.pointAt) {
          exponentPrecision = d.digits.length();
        }
        if (shortest) {
          exponentPrecision = 6;
        }
        int exponent = d.pointAt - 1;
        if (exponent < -4 || exponent >= exponentPrecision) {
          if (precision > d.digits.length()) {
            precision = d.digits.length();
          }
          appendE(out, d, precision - 1, fmt == 'g' ? 'e' : 'E');
        } else {
          if (precision > d.pointAt) {
            precision = d.digits.length();
          }
          appendF(out, d, Math.max(precision - d.pointAt, 0));
        }
      }
    }
    return out.toString();
  }

  /**
   * strconv's {@code 'x'} format of a non-negative finite double: {@code 0x1.4p+01}, the mantissa normalized to one
   * leading 1, its hex digits (all needed, or {@code precision} of them rounded half to even), and a signed decimal
   * exponent of at least two digits.
   */
  private static String hexFloat(double abs, int precision, boolean upper) {
    long bits = Double.doubleToRawLongBits(abs);
    int exponent = (int) ((bits >>> 52) & 0x7ff);
    long mantissa = bits & ((1L << 52) - 1);
    if (abs == 0) {
      exponent = 0;
    } else if (exponent == 0) {
      // Subnormal: shift until the implicit bit is set, as Go normalizes.
      exponent = -1022;
      while ((mantissa & (1L << 52)) == 0) {
        mantissa <<= 1;
        exponent--;
      }
      mantissa &= (1L << 52) - 1;
    } else {
      exponent -= 1023;
    }
    long lead = abs == 0 ? 0 : 1;
    if (precision >= 0 && precision < 13) {
      int dropBits = 52 - 4 * precision;
      long kept = mantissa >>> dropBits;
      long rest = mantissa & ((1L << dropBits) - 1);
      long half = 1L << (dropBits - 1);
      if (rest > half || (rest == half && (kept & 1) == 1)) {
        kept++;
        if (kept >>> (4 * precision) != 0) {
          kept = 0;
          lead++;
          if (lead == 2) {
            lead = 1;
            exponent++;
          }
        }
      }
      mantissa = kept << dropBits;
    }
    String digits = String.format("%013x", mantissa);
    if (precision < 0) {
      digits = digits.replaceAll("0+$", "");
    } else {
      digits = precision <= 13 ? digits.substring(0, precision) : digits + "0".repeat(precision - 13);
    }
    StringBuilder out = new StringBuilder("0x").append(lead);
    if (!digits.isEmpty()) {
      out.append('.').append(digits);
    }
    out.append('p').append(exponent < 0 ? '-' : '+');
    int magnitude = Math.abs(exponent);
    out.append(magnitude < 10 ? "0" : "").append(magnitude);
    String result = out.toString();
    return upper ? result.toUpperCase(java.util.Locale.ROOT) : result;
  }

  private static Digits shortestDigits(double abs) {
    if (abs == 0) {
      return new Digits("", 0);
    }
    // GoFloat writes the shortest digits in exponent form: d[.ddd]e±XX.
    String e = GoFloat.formatE(abs);
    int at = e.indexOf('e');
    String digits = e.substring(0, at).replace(".", "");
    int exponent = Integer.parseInt(e.substring(at + 1));
    return new Digits(digits, exponent + 1);
  }

  private static Digits rounded(double abs, int significant) {
    if (abs == 0) {
      return new Digits("", 0);
    }
    BigDecimal r = new BigDecimal(abs).round(new MathContext(significant, RoundingMode.HALF_EVEN));
    return digitsOf(r);
  }

  private static Digits roundedDecimals(double abs, int decimals) {
    if (abs == 0) {
      return new Digits("", 0);
    }
    BigDecimal r = new BigDecimal(abs).setScale(decimals, RoundingMode.HALF_EVEN);
    if (r.signum() == 0) {
      return new Digits("", 0);
    }
    return digitsOf(r);
  }

  private static Digits digitsOf(BigDecimal r) {
    BigDecimal stripped = r.stripTrailingZeros();
    String digits = stripped.unscaledValue().toString();
    return new Digits(digits, digits.length() - stripped.scale());
  }

  private static void appendE(StringBuilder out, Digits d, int precision, char fmt) {
    out.append(d.digits.isEmpty() ? '0' : d.digits.charAt(0));
    if (precision > 0) {
      out.append('.');
      int i = 1;
      int m = Math.min(d.digits.length(), precision + 1);
      if (i < m) {
        out.append(d.digits, i, m);
        i = m;
      }
      for (; i <= precision; i++) {
        out.append('0');
      }
    }
    out.append(fmt == 'E' || fmt == 'G' ? 'E' : 'e');
    int exponent = d.digits.isEmpty() ? 0 : d.pointAt - 1;
    out.append(exponent < 0 ? '-' : '+');
    int magnitude = Math.abs(exponent);
    if (magnitude < 10) {
      out.append('0');
    }
    out.append(magnitude);
  }

  private static void appendF(StringBuilder out, Digits d, int precision) {
    if (d.pointAt > 0) {
      int m = Math.min(d.digits.length(), d.pointAt);
      out.append(d.digits, 0, m);
      for (; m < d.pointAt; m++) {
        out.append('0');
      }
    } else {
      out.append('0');
    }
    if (precision > 0) {
      out.append('.');
      for (int i = 1; i <= precision; i++) {
        int j = d.pointAt + i - 1;
        out.append(j >= 0 && j < d.digits.length() ? d.digits.charAt(j) : '0');
      }
    }
  }
}
