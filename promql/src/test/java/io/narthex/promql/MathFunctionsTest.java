package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.narthex.promql.promqltest.FakeStorage;
import org.junit.jupiter.api.Test;

/**
 * PromQL's math functions against Go's {@code math} package, which Prometheus calls (promql/functions.go maps
 * {@code acosh} to {@code math.Acosh}, {@code min_of} to {@code math.Min}, and so on). Unless a comment says
 * otherwise, an expected value is a special case listed in that function's Go documentation, or follows from the
 * method of its Go source (cited).
 */
class MathFunctionsTest {
  private final Engine engine = new Engine(EngineOptions.defaults());

  /** The value of a one-sample instant vector query at time 0. */
  private double value(String query) {
    Vector v = (Vector) engine.instantQuery(new FakeStorage(), query, 0).value();
    assertThat(v.samples()).as(query).hasSize(1);
    return v.samples().get(0).value();
  }

  /** AssertJ's isEqualTo(double) takes -0.0 and 0.0 as equal; their bits tell them apart. */
  private static void assertNegativeZero(double actual) {
    assertThat(Double.doubleToRawLongBits(actual)).as("bits of %s, want -0.0", actual)
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  private double scalar(String query) {
    return ((Scalar) engine.instantQuery(new FakeStorage(), query, 0).value()).value();
  }

  @Test
  void acoshIsNaNBelowOneNeverMinusInf() {
    // Acosh(x) = NaN if x < 1. log(x + sqrt(x*x - 1)) gave -Inf from about -1e8 down (x + |x| rounds to 0).
    assertThat(value("acosh(vector(-1e9))")).isNaN();
    assertThat(value("acosh(vector(-1))")).isNaN();
    assertThat(value("acosh(vector(0.5))")).isNaN();
    assertThat(value("acosh(vector(-Inf))")).isNaN();
    assertThat(value("acosh(vector(NaN))")).isNaN();
    assertThat(value("acosh(vector(1))")).isEqualTo(0.0);
    assertThat(value("acosh(vector(Inf))")).isEqualTo(Double.POSITIVE_INFINITY);
    // acosh.go: log(x) + ln2 for x >= 2^28; x*x overflowed to +Inf before.
    assertThat(value("acosh(vector(1e200))")).isCloseTo(Math.log(1e200) + Math.log(2), within(1e-12));
  }

  @Test
  void asinhIsOddWithoutCancellationForLargeNegativeArguments() {
    // Asinh(±0) = ±0, Asinh(±Inf) = ±Inf; asinh.go: sign(x) * (log(|x|) + ln2) for |x| > 2^28 (was -Inf at -1e9).
    assertThat(value("asinh(vector(-1e9))")).isCloseTo(-(Math.log(1e9) + Math.log(2)), within(1e-12));
    assertNegativeZero(value("asinh(vector(0) * -1)"));
    assertThat(value("asinh(vector(-Inf))")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(value("asinh(vector(NaN))")).isNaN();
  }

  @Test
  void atanhIsNaNOutsideMinusOneToOneAndInfiniteAtItsEnds() {
    // Atanh(1) = +Inf, Atanh(±0) = ±0, Atanh(-1) = -Inf, Atanh(x) = NaN if x < -1 or x > 1, Atanh(NaN) = NaN.
    assertThat(value("atanh(vector(2))")).isNaN();
    assertThat(value("atanh(vector(-1.5))")).isNaN();
    assertThat(value("atanh(vector(Inf))")).isNaN();
    assertThat(value("atanh(vector(-Inf))")).isNaN();
    assertThat(value("atanh(vector(1))")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(value("atanh(vector(-1))")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertNegativeZero(value("atanh(vector(0) * -1)"));
  }

  @Test
  void inverseTrigonometricFunctionsAreNaNOutsideTheirDomain() {
    // Asin(x) = NaN if |x| > 1, Asin(±0) = ±0; Acos(x) = NaN if |x| > 1; Atan(±Inf) = ±Pi/2.
    assertThat(value("asin(vector(1.5))")).isNaN();
    assertNegativeZero(value("asin(vector(0) * -1)"));
    assertThat(value("acos(vector(-Inf))")).isNaN();
    assertThat(value("acos(vector(-2))")).isNaN();
    assertThat(value("atan(vector(-Inf))")).isEqualTo(-Math.PI / 2);
    assertThat(value("sin(vector(Inf))")).isNaN();
    assertNegativeZero(value("tan(vector(0) * -1)"));
    assertThat(value("tanh(vector(-Inf))")).isEqualTo(-1.0);
  }

  @Test
  void sinhAndCoshOverflowWhereGoExpDoes() {
    // sinh.go and cosh: exp(|x|) / 2 beyond |x| = 21, and Exp overflows to +Inf above ~709.78; Math.sinh(710) and
    // Math.cosh(710) were 1.1169973830808557e308.
    assertThat(value("sinh(vector(710))")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(value("sinh(vector(-710))")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(value("cosh(vector(-710))")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(value("cosh(vector(0) * -1)")).isEqualTo(1.0);
    assertNegativeZero(value("sinh(vector(0) * -1)"));
  }

  @Test
  void logarithmsFollowGoExactPowersAndRounding() {
    // log10.go: Log2 returns exp - 1 exactly when Frexp's fraction is 0.5 ("exact powers of two give an exact
    // answer"); log(x)/log(2) gave 29.000000000000004.
    assertThat(value("log2(vector(536870912))")).isEqualTo(29.0);
    assertThat(value("log2(vector(2^-1074))")).isEqualTo(-1074.0);
    assertThat(value("log2(vector(2^1023))")).isEqualTo(1023.0);
    assertThat(value("log2(vector(0))")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(value("log2(vector(-1))")).isNaN();
    // log10.go: Log10(x) = Log(x) * (1/Ln10); Go answers 14.999999999999998 for 1e15 (shopspring/decimal#425, which
    // worked around exactly that), where Math.log10 gives 15.
    assertThat(value("log10(vector(1e15))")).isEqualTo(14.999999999999998);
    assertThat(value("log10(vector(0))")).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void minOfAndMaxOfLetAnInfinityWinOverNaN() {
    // Min(x, -Inf) = Min(-Inf, x) = -Inf before Min(x, NaN) = NaN; Max likewise with +Inf; Min(-0, +0) = -0.
    assertThat(scalar("min_of(NaN, -Inf)")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(scalar("max_of(Inf, NaN)")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(scalar("min_of(NaN, 1)")).isNaN();
    assertThat(scalar("max_of(1, NaN)")).isNaN();
    assertNegativeZero(scalar("min_of(0, 0 * -1)"));
    // clamp_max(v, max) is math.Max(-Inf, math.Min(max, v)) in functions.go: -Inf for a NaN sample and max -Inf.
    assertThat(value("clamp_max(vector(NaN), -Inf)")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(value("clamp_min(vector(NaN), Inf)")).isEqualTo(Double.POSITIVE_INFINITY);
  }
}
