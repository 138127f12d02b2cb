package io.narthex.promql;

/**
 * The functions of Go's {@code math} package whose results differ from {@link Math}'s, as PromQL's functions call
 * them (Prometheus promql/functions.go maps {@code acosh} to {@code math.Acosh}, and so on). Each follows the special
 * cases of its Go documentation and the method of Go's source (the FreeBSD msun methods for the inverse hyperbolic
 * functions), so that a result is NaN, ±Inf or ±0 exactly where Go's is, and within an ulp elsewhere.
 */
final class GoMath {
  private static final double LN2 = 0.6931471805599453;
  /** Go's {@code 1/Ln2} and {@code 1/Ln10}, constants rounded once (dividing in double would round twice). */
  private static final double LOG2_E = 1.44269504088896340736;
  private static final double LOG10_E = 0.43429448190325182765;
  private static final double TWO_TO_28 = 0x1p28;
  private static final double TWO_TO_MINUS_28 = 0x1p-28;

  private GoMath() {}

  /**
   * {@code math.Acosh}: NaN below 1 and for NaN (never -Inf, which {@code log(x + sqrt(x*x - 1))} gives for large
   * negative x), 0 at 1, +Inf at +Inf.
   */
  static double acosh(double x) {
    if (!(x >= 1)) {
      return Double.NaN;
    }
    if (x == 1) {
      return 0;
    }
    if (x >= TWO_TO_28) {
      return Math.log(x) + LN2; // x*x would overflow; acosh(x) = ln(2x) to double precision
    }
    if (x > 2) {
      return Math.log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
    }
    double t = x - 1;
    return Math.log1p(t + Math.sqrt(2 * t + t * t));
  }

  /** {@code math.Asinh}: odd (so ±0 stays ±0), ±Inf and NaN unchanged; no cancellation for large negative x. */
  static double asinh(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    double a = Math.abs(x);
    double r;
    if (a > TWO_TO_28) {
      r = Math.log(a) + LN2;
    } else if (a > 2) {
      r = Math.log(2 * a + 1 / (Math.sqrt(a * a + 1) + a));
    } else if (a < TWO_TO_MINUS_28) {
      r = a;
    } else {
      r = Math.log1p(a + a * a / (1 + Math.sqrt(1 + a * a)));
    }
    return Math.copySign(r, x);
  }

  /** {@code math.Atanh}: NaN outside [-1, 1] and for NaN, ±Inf at ±1, odd (so ±0 stays ±0). */
  static double atanh(double x) {
    if (!(x >= -1 && x <= 1)) {
      return Double.NaN;
    }
    if (x == 1 || x == -1) {
      return x * Double.POSITIVE_INFINITY;
    }
    double a = Math.abs(x);
    double r;
    if (a < TWO_TO_MINUS_28) {
      r = a;
    } else if (a < 0.5) {
      r = 0.5 * Math.log1p(2 * a + 2 * a * a / (1 - a));
    } else {
      r = 0.5 * Math.log1p(2 * a / (1 - a));
    }
    return Math.copySign(r, x);
  }

  /**
   * {@code math.Sinh}: beyond |x| = 21 Go computes {@code exp(|x|) / 2}, which is ±Inf from |x| ≈ 709.78 on, where
   * {@link Math#sinh} stays finite up to ≈ 710.48.
   */
  static double sinh(double x) {
    double a = Math.abs(x);
    return a > 21 ? Math.copySign(Math.exp(a) / 2, x) : Math.sinh(x);
  }

  /** {@code math.Cosh}: as {@link #sinh}, +Inf from |x| ≈ 709.78 on; 1 at ±0, +Inf at ±Inf, NaN for NaN. */
  static double cosh(double x) {
    double a = Math.abs(x);
    return a > 21 ? Math.exp(a) / 2 : Math.cosh(x);
  }

  /**
   * {@code math.Log2}: exact for powers of two (log2 of 2^29 is 29, not 29.000000000000004), from the binary exponent and
   * the logarithm of the fraction in [0.5, 1); NaN below 0, -Inf at ±0, +Inf at +Inf.
   */
  static double log2(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x) || x <= 0) {
      return Math.log(x) * LOG2_E; // NaN, ±Inf: the special cases of log
    }
    double normal = x < Double.MIN_NORMAL ? x * 0x1p54 : x; // a subnormal is scaled into the normal range first
    int exponent = Math.getExponent(normal) - (normal == x ? 0 : 54);
    double fraction = Math.scalb(normal, -Math.getExponent(normal) - 1);
    // x = fraction × 2^(exponent + 1) with fraction in [0.5, 1), as Go's Frexp.
    if (fraction == 0.5) {
      return exponent;
    }
    return Math.log(fraction) * LOG2_E + (exponent + 1);
  }

  /**
   * {@code math.Log10}: {@code log(x) × (1/ln 10)}, which is not exact at every power of ten (log10(1e15) is
   * 14.999999999999998 in Go, where {@link Math#log10} gives 15).
   */
  static double log10(double x) {
    return Math.log(x) * LOG10_E;
  }

  /** {@code math.Min}: -Inf wins over NaN, then NaN wins; -0 is below +0. */
  static double min(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY || b == Double.NEGATIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.NaN;
    }
    return Math.min(a, b);
  }

  /** {@code math.Max}: +Inf wins over NaN, then NaN wins; +0 is above -0. */
  static double max(double a, double b) {
    if (a == Double.POSITIVE_INFINITY || b == Double.POSITIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.NaN;
    }
    return Math.max(a, b);
  }
}
