package io.narthex.template;

import java.util.regex.Pattern;

/** Go's {@code strconv.ParseFloat(s, 64)}, with its syntax and its error messages. */
final class GoStrconv {
  private GoStrconv() {}

  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
  private static final Pattern HEX =
      Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)[pP][+-]?[0-9]+");

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
}
