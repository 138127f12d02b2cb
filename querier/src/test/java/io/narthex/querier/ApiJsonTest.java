package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.narthex.common.GoFloat;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
  @Test
  void formatsValuesAsPrometheusJsonutilMarshalValueDoes() {
    assertThat(ApiJson.formatValue(1.0)).isEqualTo("1");
    assertThat(ApiJson.formatValue(0.1)).isEqualTo("0.1");
    assertThat(ApiJson.formatValue(-2.5)).isEqualTo("-2.5");
    assertThat(ApiJson.formatValue(1e-7)).isEqualTo("1e-07");
    assertThat(ApiJson.formatValue(1e-6)).isEqualTo("0.000001");
    assertThat(ApiJson.formatValue(Double.MIN_VALUE)).isEqualTo("5e-324");
    assertThat(ApiJson.formatValue(1e21)).isEqualTo("1e+21");
    assertThat(ApiJson.formatValue(-1.5e300)).isEqualTo("-1.5e+300");
    assertThat(ApiJson.formatValue(1e20)).isEqualTo("100000000000000000000");
    assertThat(ApiJson.formatValue(123456.789)).isEqualTo("123456.789");
    assertThat(ApiJson.formatValue(1.0 / 3)).isEqualTo("0.3333333333333333");
    assertThat(ApiJson.formatValue(Double.NaN)).isEqualTo("NaN");
    assertThat(ApiJson.formatValue(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(ApiJson.formatValue(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(ApiJson.formatValue(-0.0)).isEqualTo("-0");
    assertThat(ApiJson.formatValue(0.0)).isEqualTo("0");
  }

  @Test
  void writesValuesFromOneThousandthToTenMillionAsGoFloatDoes() {
    java.util.Random random = new java.util.Random(17);
    for (int i = 0; i < 200_000; i++) {
      // Uniform in the exponent, so every decade of the range is hit; half of them near an integer.
      double v = Math.pow(10, -3 + 10 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1);
      double value = i % 2 == 0 ? v : Math.nextUp(Math.rint(v));
      if (value != Math.rint(value) && Math.abs(value) >= 1e-3 && Math.abs(value) < 1e7) {
        assertThat(ApiJson.formatValue(value)).as("%s", value).isEqualTo(GoFloat.formatF(value));
      }
    }
    for (double edge : new double[] {1e-3, Math.nextUp(1e-3), Math.nextDown(1e7), 0.1 + 0.2, 2.5e-3}) {
      assertThat(ApiJson.formatValue(edge)).as("%s", edge).isEqualTo(GoFloat.formatF(edge));
    }
  }

  @Test
  void writesTimestampsAsUnixSecondsWithAtMostMillisecondDecimals() throws Exception {
    assertThat(timestamp(1_700_000_000_000L)).isEqualTo("1700000000");
    assertThat(timestamp(1_700_000_000_123L)).isEqualTo("1700000000.123");
    assertThat(timestamp(1_700_000_000_100L)).isEqualTo("1700000000.1");
    assertThat(timestamp(-1_500L)).isEqualTo("-1.5");
  }

  private static String timestamp(long ms) throws Exception {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
      ApiJson.writeTimestamp(json, ms);
    }
    return out.toString();
  }

  @Test
  void writesStatsAsPrometheusDoesOnlyWhenAskedAndPerStepOnlyForAll() throws Exception {
    io.narthex.promql.QueryStats stats = new io.narthex.promql.QueryStats(
        0.5, 0, 0.1, 0.4, 0, 0.6, 7, 5, new long[] {1_000, 2_000}, new long[] {3, 4});
    io.narthex.promql.QueryResult result = new io.narthex.promql.QueryResult(
        new io.narthex.promql.Scalar(2_000, 1), java.util.List.of(), java.util.List.of(), stats);
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();

    assertThat(mapper.readTree(ApiJson.success(result)).get("data").has("stats")).isFalse();
    var summary = mapper.readTree(ApiJson.success(result, ApiJson.StatsMode.of("1"))).get("data").get("stats");
    assertThat(summary.get("timings").get("evalTotalTime").asDouble()).isEqualTo(0.5);
    assertThat(summary.get("samples").get("totalQueryableSamples").asLong()).isEqualTo(7);
    assertThat(summary.get("samples").get("peakSamples").asLong()).isEqualTo(5);
    assertThat(summary.get("samples").has("totalQueryableSamplesPerStep")).isFalse();
    var all = mapper.readTree(ApiJson.success(result, ApiJson.StatsMode.of("all"))).get("data").get("stats");
    assertThat(all.get("samples").get("totalQueryableSamplesPerStep").toString()).isEqualTo("[[1,3],[2,4]]");
  }
}
