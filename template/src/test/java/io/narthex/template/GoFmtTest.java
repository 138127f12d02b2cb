package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Go's fmt verbs as the fmt package documents them (https://pkg.go.dev/fmt), through printf and print. */
class GoFmtTest {
  private static String printf(String format, Object... args) {
    return GoFmt.sprintf(format, Arrays.asList(args));
  }

  @Test
  void specialFloatsPrintAsGoDoes() {
    assertThat(printf("%v %v %v %v", Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0))
        .isEqualTo("NaN +Inf -Inf -0");
    assertThat(printf("%f|%.2f|%e|%g", Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0))
        .isEqualTo("NaN|+Inf|-Inf|-0");
    // Infinities and NaN are never zero padded; NaN gets a sign only when asked for.
    assertThat(printf("[%5.1f][%05.1f][%+f][% f][%-6v]", Double.NaN, Double.NEGATIVE_INFINITY, Double.NaN,
        Double.NaN, Double.POSITIVE_INFINITY)).isEqualTo("[  NaN][ -Inf][+NaN][ NaN][+Inf  ]");
  }

  @Test
  void defaultFloatFormatIsShortestWithExponentFromSixDigits() {
    assertThat(printf("%v %v %v %v %v", 100000.0, 1e6, 123456789.0, 0.0001, 0.00001))
        .isEqualTo("100000 1e+06 1.23456789e+08 0.0001 1e-05");
    assertThat(printf("%v %v %v %v", 1e21, 1e-7, 5e-324, Double.MAX_VALUE))
        .isEqualTo("1e+21 1e-07 5e-324 1.7976931348623157e+308");
    assertThat(GoFmt.formatValue(0.1 + 0.2)).isEqualTo("0.30000000000000004");
  }

  @Test
  void fixedAndExponentPrecisionRoundTheExactBinaryValueHalfToEven() {
    assertThat(printf("%5.1f|%.2f|%.2f|%.0f|%.0f|%.1f|%f", 3.14159, 2.675, 1.005, 0.5, 1.5, 0.25, 1.0))
        .isEqualTo("  3.1|2.67|1.00|0|2|0.2|1.000000");
    assertThat(printf("%e|%E|%.3e|%.0e|%e", 1234.5678, 1234.5678, 0.0, 15.0, 1e-300))
        .isEqualTo("1.234568e+03|1.234568E+03|0.000e+00|2e+01|1.000000e-300");
    assertThat(printf("%08.3f|%+.1f|%-8.2f|", -3.14159, 2.0, 1.5)).isEqualTo("-003.142|+2.0|1.50    |");
  }

  @Test
  void gVerbDropsTrailingZerosAndSwitchesToExponentAtThePrecision() {
    assertThat(printf("%.4g|%.4g|%.4g|%.4g|%.3g|%g|%G|%.4g", 1234.5, 12345.0, 1.0, 0.5, 1234567.0, 1e100, 1e-10, 100.0))
        .isEqualTo("1234|1.234e+04|1|0.5|1.23e+06|1e+100|1E-10|100");
    assertThat(printf("%.4g|%.4g|%.2g", 0.000012346, 123456.0, 0.0)).isEqualTo("1.235e-05|1.235e+05|0");
  }

  @Test
  void integersWithFlagsWidthAndBases() {
    assertThat(printf("%d|%5d|%-5d|%05d|%+d|% d|%x|%X|%#x|%o|%#o|%b|%c|%U|%#U", 42L, 42L, 42L, -42L, 5L, 5L, -255L,
        255L, 255L, 8L, 8L, 5L, 65L, 0x1F600L, 0x41L))
        .isEqualTo("42|   42|42   |-0042|+5| 5|-ff|FF|0xff|10|010|101|A|U+1F600|U+0041 'A'");
    assertThat(printf("%.3d|%*d|%-*d|", 7L, 5, 42L, 4, 1L)).isEqualTo("007|   42|1   |");
  }

  @Test
  void stringsWithWidthPrecisionAndQuoting() {
    assertThat(printf("%-8s|%8s|%.3s|%5.2s|%x|% x|%X", "ab", "ab", "abcdef", "abc", "hi", "hi", "hi"))
        .isEqualTo("ab      |      ab|abc|   ab|6869|68 69|6869");
    assertThat(printf("%q", "a\"b\\c\n\t\u0001é😀\u007f")).isEqualTo("\"a\\\"b\\\\c\\n\\t\\x01é😀\\x7f\"");
    assertThat(printf("%+q|%#q|%#q|%q", "é", "ab", "a`b", 120L)).isEqualTo("\"\\u00e9\"|`ab`|\"a`b\"|'x'");
    assertThat(printf("%q", "\u00ad\u2028")).isEqualTo("\"\\u00ad\\u2028\"");
  }

  @Test
  void hexOfFloatsIsNormalizedMantissaAndBinaryExponent() {
    assertThat(printf("%x|%X|%x|%x|%.1x|%x|%x", 2.5, 2.5, 1.0, 0.0, 1.96875, 5e-324, -0.1))
        .isEqualTo("0x1.4p+01|0X1.4P+01|0x1p+00|0x0p+00|0x1.0p+01|0x1p-1074|-0x1.999999999999ap-04");
  }

  @Test
  void hexOfStringsCountsPrecisionInBytes() {
    assertThat(printf("%.3x|%.1x", "'\uFFFD'", "é")).isEqualTo("27efbf|c3");
  }

  @Test
  void templatesPrintPointersToStructsWithoutTheAmpersandInHtmlJsAndUrlquery() {
    assertThat(GoFmt.sprintPrintable(List.of(new Sample(Map.of("a", "b"), 1), "x"))).isEqualTo("{map[a:b] 1}x");
  }

  @Test
  void wrongVerbsAndArgumentCountsAreWrittenInline() {
    assertThat(printf("%d|%s|%d|%t", 1.5, 3.5, "x", 1L))
        .isEqualTo("%!d(float64=1.5)|%!s(float64=3.5)|%!d(string=x)|%!t(int=1)");
    assertThat(printf("%d %d", 1L)).isEqualTo("1 %!d(MISSING)");
    assertThat(printf("%d", 1L, "x", 2.5)).isEqualTo("1%!(EXTRA string=x, float64=2.5)");
    assertThat(printf("%s|%v|%d", null, null, null)).isEqualTo("%!s(<nil>)|<nil>|%!d(<nil>)");
    assertThat(printf("100%%|%")).isEqualTo("100%|%!(NOVERB)");
    assertThat(printf("%[2]d %[1]d|%[3]d", 1L, 2L)).isEqualTo("2 1|%!d(BADINDEX)");
  }

  @Test
  void compositeValuesPrintAsGoDoes() {
    assertThat(printf("%v|%v|%d|%v", Map.of("b", "2", "a", "1"), List.of(1L, 2L), List.of(1L, 2L), true))
        .isEqualTo("map[a:1 b:2]|[1 2]|[1 2]|true");
    assertThat(printf("%v", new Sample(Map.of("job", "a"), 1))).isEqualTo("&{map[job:a] 1}");
    assertThat(printf("%+v", new Sample(Map.of("job", "a"), 1))).isEqualTo("&{Labels:map[job:a] Value:1}");
  }

  @Test
  void sprintSpacesOnlyBetweenOperandsThatAreNotStrings() {
    assertThat(GoFmt.sprint(List.of(1L, 2L, "a", "b", 3L, 1.5))).isEqualTo("1 2ab3 1.5");
    assertThat(GoFmt.sprintln(List.of("a", "b", 1L))).isEqualTo("a b 1\n");
  }
}
