package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
  @Test
  void formatsValuesLikeGoFormatFloatWithShortestDigitsAndNoExponent() {
    assertThat(ApiJson.formatValue(1.0)).isEqualTo("1");
    assertThat(ApiJson.formatValue(0.1)).isEqualTo("0.1");
    assertThat(ApiJson.formatValue(-2.5)).isEqualTo("-2.5");
    assertThat(ApiJson.formatValue(1e-7)).isEqualTo("0.0000001");
    assertThat(ApiJson.formatValue(1e21)).isEqualTo("1000000000000000000000");
    assertThat(ApiJson.formatValue(123456.789)).isEqualTo("123456.789");
    assertThat(ApiJson.formatValue(1.0 / 3)).isEqualTo("0.3333333333333333");
    assertThat(ApiJson.formatValue(Double.NaN)).isEqualTo("NaN");
    assertThat(ApiJson.formatValue(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(ApiJson.formatValue(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(ApiJson.formatValue(-0.0)).isEqualTo("-0");
    assertThat(ApiJson.formatValue(0.0)).isEqualTo("0");
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
}
