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
}
