package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Expected strings are the shortest-precision ({@code prec -1}) rows of Go's {@code ftoatests} table in
 * src/strconv/ftoa_test.go, unless a comment says otherwise.
 */
class GoFloatTest {
  private static final double BELOW_1E23 = 99999999999999974834176.0;
  private static final double ABOVE_1E23 = 100000000000000008388608.0;

  @Test
  void formatsTheShortestDigitsAsGoDoesInEachForm() {
    assertThat(GoFloat.formatG(1)).isEqualTo("1");
    assertThat(GoFloat.formatG(20)).isEqualTo("20");
    assertThat(GoFloat.formatG(1234567.8)).isEqualTo("1.2345678e+06");
    assertThat(GoFloat.formatG(200000)).isEqualTo("200000");
    assertThat(GoFloat.formatG(2000000)).isEqualTo("2e+06");
    assertThat(GoFloat.formatG(-1)).isEqualTo("-1");
    assertThat(GoFloat.formatG(123456700)).isEqualTo("1.234567e+08");
    assertThat(GoFloat.formatE(1e23)).isEqualTo("1e+23");
    assertThat(GoFloat.formatF(1e23)).isEqualTo("100000000000000000000000");
    assertThat(GoFloat.formatE(BELOW_1E23)).isEqualTo("9.999999999999997e+22");
    assertThat(GoFloat.formatF(BELOW_1E23)).isEqualTo("99999999999999970000000");
    assertThat(GoFloat.formatG(ABOVE_1E23)).isEqualTo("1.0000000000000001e+23");
    assertThat(GoFloat.formatF(ABOVE_1E23)).isEqualTo("100000000000000010000000");
    assertThat(GoFloat.formatG(2.2250738585072012e-308)).isEqualTo("2.2250738585072014e-308");
    assertThat(GoFloat.formatG(2.2250738585072011e-308)).isEqualTo("2.225073858507201e-308");
    assertThat(GoFloat.formatG(383260575764816448.0)).isEqualTo("3.8326057576481645e+17");
    assertThat(GoFloat.formatF(498484681984085570.0)).isEqualTo("498484681984085570");
    assertThat(GoFloat.formatG(-5.8339553793802237e+23)).isEqualTo("-5.8339553793802237e+23");
    // Go's 'g' switches to the exponent form below 1e-4 (strconv/ftoa.go: exp < -4 || exp >= eprec).
    assertThat(GoFloat.formatG(0.0001)).isEqualTo("0.0001");
    assertThat(GoFloat.formatG(0.00001)).isEqualTo("1e-05");
    assertThat(GoFloat.formatF(0.0000001)).isEqualTo("0.0000001");
    assertThat(GoFloat.formatE(0.0000001)).isEqualTo("1e-07");
  }

  @Test
  void writesSpecialValuesAndNegativeZeroAsGo() {
    for (double nan : new double[] {Double.NaN, -Double.NaN}) {
      assertThat(GoFloat.formatG(nan)).isEqualTo("NaN");
      assertThat(GoFloat.formatF(nan)).isEqualTo("NaN");
    }
    assertThat(GoFloat.formatG(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(GoFloat.formatF(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(GoFloat.formatE(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(GoFloat.formatG(0)).isEqualTo("0");
    assertThat(GoFloat.formatF(0)).isEqualTo("0");
    // Go keeps the sign of a negative zero: strconv.FormatFloat(math.Copysign(0, -1), 'f', -1, 64) is "-0".
    assertThat(GoFloat.formatF(-0.0)).isEqualTo("-0");
    assertThat(GoFloat.formatG(-0.0)).isEqualTo("-0");
  }

  /** Double.toString writes 4.9E-324 and 9.9E-324 here; Go writes the one digit that reads back. */
  @Test
  void writesOneDigitForSubnormalsWhereJavaWritesTwo() {
    assertThat(Double.toString(Double.MIN_VALUE)).isEqualTo("4.9E-324");
    assertThat(GoFloat.formatG(Double.MIN_VALUE)).isEqualTo("5e-324");
    assertThat(GoFloat.formatG(-Double.MIN_VALUE)).isEqualTo("-5e-324");
    assertThat(GoFloat.formatF(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
    // 2 × MIN_VALUE (9.88e-324): 1e-323 reads back as it and is closer than 9e-324, which reads back too.
    assertThat(Double.toString(2 * Double.MIN_VALUE)).isEqualTo("9.9E-324");
    assertThat(GoFloat.formatE(2 * Double.MIN_VALUE)).isEqualTo("1e-323");
    assertThat(GoFloat.formatF(2 * Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(322) + "1");
    // Two digits that Java needs stay: 1.5e-323 (3 × MIN_VALUE) has no one-digit decimal reading back as it.
    assertThat(GoFloat.formatE(3 * Double.MIN_VALUE)).isEqualTo("1.5e-323");
  }

  @Test
  void everyFormReadsBackAsTheSameDouble() {
    java.util.Random random = new java.util.Random(14);
    for (int i = 0; i < 20_000; i++) {
      double v = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        continue;
      }
      assertThat(Double.parseDouble(GoFloat.formatF(v))).isEqualTo(v);
      assertThat(Double.parseDouble(GoFloat.formatE(v))).isEqualTo(v);
      assertThat(Double.parseDouble(GoFloat.formatG(v))).isEqualTo(v);
    }
  }
}
