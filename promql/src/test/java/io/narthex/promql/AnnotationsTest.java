package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import org.junit.jupiter.api.Test;

class AnnotationsTest {
  private final FakeStorage storage = new FakeStorage();
  private final Engine engine = new Engine(EngineOptions.defaults());

  @Test
  void formatsFloatsLikeGoPercentG() {
    assertThat(Annotations.formatG(Double.NaN)).isEqualTo("NaN");
    assertThat(Annotations.formatG(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(Annotations.formatG(-1)).isEqualTo("-1");
    assertThat(Annotations.formatG(1.5)).isEqualTo("1.5");
    assertThat(Annotations.formatG(0.0001)).isEqualTo("0.0001");
    assertThat(Annotations.formatG(0.00001)).isEqualTo("1e-05");
    assertThat(Annotations.formatG(123456)).isEqualTo("123456");
    assertThat(Annotations.formatG(1_000_000)).isEqualTo("1e+06");
    assertThat(Annotations.formatG(1.25e21)).isEqualTo("1.25e+21");
  }

  @Test
  void annotationsCarryTheirPositionAndAreDeduplicated() {
    storage.add(Labels.of("__name__", "m", "le", "bad"), 0, 1);
    QueryResult r = engine.rangeQuery(storage, "histogram_quantile(2, m)", 0, 60_000, 15_000);
    assertThat(r.warnings()).containsExactly(
        "PromQL warning: quantile value should be between 0 and 1, got 2 (1:20)",
        "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"bad\" for metric name \"m\" (1:23)");
    assertThat(r.infos()).isEmpty();
  }

  @Test
  void histogramFractionOnClassicBuckets() {
    storage.add(Labels.of("__name__", "h_bucket", "le", "1"), 0, 2);
    storage.add(Labels.of("__name__", "h_bucket", "le", "2"), 0, 6);
    storage.add(Labels.of("__name__", "h_bucket", "le", "+Inf"), 0, 8);
    Vector v = (Vector) engine.instantQuery(storage, "histogram_fraction(0, 1.5, h_bucket)", 0).value();
    assertThat(v.samples()).hasSize(1);
    assertThat(v.samples().get(0).labels()).isEqualTo(Labels.EMPTY);
    assertThat(v.samples().get(0).value()).isCloseTo(4.0 / 8, within(1e-12));
  }

  @Test
  void nonMonotonicBucketsGiveAnInfo() {
    storage.add(Labels.of("__name__", "h_bucket", "le", "1"), 0, 5);
    storage.add(Labels.of("__name__", "h_bucket", "le", "2"), 0, 3);
    storage.add(Labels.of("__name__", "h_bucket", "le", "+Inf"), 0, 8);
    QueryResult r = engine.instantQuery(storage, "histogram_quantile(0.5, h_bucket)", 0);
    assertThat(r.infos()).singleElement().asString()
        .startsWith("PromQL info: input to histogram_quantile needed to be fixed for monotonicity")
        .endsWith("for metric name \"h_bucket\" (1:25)");
  }
}
