package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import org.junit.jupiter.api.Test;

class SeriesValidatorTest {
  private final SeriesValidator validator = new SeriesValidator(new ValidationLimits(10, 10, 4, 600_000));

  private static TimeSeries series(String... namesAndValues) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      series.addLabels(Label.newBuilder().setName(namesAndValues[i]).setValue(namesAndValues[i + 1]));
    }
    return series.build();
  }

  @Test
  void acceptsAValidSeriesWithColonsInTheMetricName() {
    assertThat(validator.validate(series("__name__", "job:up:sum", "a", "1", "b", "2"))).isNull();
  }

  @Test
  void namesEachFaultWithItsStableId() {
    assertThat(validator.validate(series("a", "1"))).contains("err-narthex-missing-metric-name");
    assertThat(validator.validate(series("__name__", "0up"))).contains("err-narthex-metric-name-invalid");
    assertThat(validator.validate(series("__name__", "up", "a-b", "1"))).contains("err-narthex-label-invalid");
    assertThat(validator.validate(series("__name__", "up", "a", "1", "a", "2")))
        .contains("err-narthex-duplicate-label-names");
    assertThat(validator.validate(series("__name__", "up", "b", "1", "a", "2")))
        .contains("err-narthex-labels-not-sorted").contains("up{b=\"1\", a=\"2\"}");
    assertThat(validator.validate(series("__name__", "up", "abcdefghijk", "1")))
        .contains("err-narthex-label-name-too-long");
    assertThat(validator.validate(series("__name__", "up", "a", "12345678901")))
        .contains("err-narthex-label-value-too-long");
    assertThat(validator.validate(series("__name__", "up", "a", "1", "b", "1", "c", "1", "d", "1")))
        .contains("err-narthex-max-label-names-per-series").contains("actual: 5, limit: 4");
  }

  @Test
  void dropsEmptyLabelValuesBeforeValidating() {
    TimeSeries cleaned = SeriesValidator.dropEmptyLabelValues(series("__name__", "up", "empty", "", "job", "x"));
    assertThat(cleaned.getLabelsList()).extracting(Label::getName).containsExactly("__name__", "job");
    TimeSeries untouched = series("__name__", "up");
    assertThat(SeriesValidator.dropEmptyLabelValues(untouched)).isSameAs(untouched);
  }

  @Test
  void theWireFastPathPassesOnlySeriesTheDecodedChecksPassUnchanged() {
    String[][] cases = {
        {"__name__", "job:up:sum", "a", "1", "b", "2"}, {"a", "1"}, {"__name__", "0up"}, {"__name__", "up", "a-b", "1"},
        {"__name__", "up", "a:b", "1"}, {"__name__", "up", "_a9", "1"}, {"__name__", "up", "9a", "1"},
        {"__name__", "up", "a", "1", "a", "2"}, {"__name__", "up", "b", "1", "a", "2"},
        {"__name__", "up", "abcdefghijk", "1"}, {"__name__", "up", "abcdefghij", "1"},
        {"__name__", "up", "a", "12345678901"}, {"__name__", "up", "a", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"},
        {"__name__", "up", "a", "1", "b", "1", "c", "1", "d", "1"}, {"__name__", "up", "a", ""},
        {"__name__", "up", "\u00e9", "1"}, {"__name__", "up:\u00e9"}, {"__name__", ""}, {}};
    long nowMs = System.currentTimeMillis();
    for (String[] labels : cases) {
      TimeSeries series = series(labels).toBuilder()
          .addSamples(io.narthex.proto.prompb.Sample.newBuilder().setTimestamp(nowMs)).build();
      byte[] bytes = series.toByteArray();
      var wire = new io.narthex.ingester.client.WireTimeSeries().reset(bytes, 0, bytes.length);
      boolean unchanged = validator.validate(series) == null
          && SeriesValidator.dropEmptyLabelValues(series) == series;
      // Clean only when the decoded checks pass unchanged; a series the fast path cannot judge (a non-ASCII value
      // longer in bytes than the limit in characters) goes the decoding path, which stores it.
      boolean longerInBytes = series.getLabelsList().stream()
          .anyMatch(l -> l.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 10);
      assertThat(validator.isClean(wire, nowMs)).as(java.util.Arrays.toString(labels))
          .isEqualTo(unchanged && !longerInBytes);
      assertThat(validator.isClean(wire, nowMs - 1)).as("a sample past the limit").isFalse();
    }
  }
}
