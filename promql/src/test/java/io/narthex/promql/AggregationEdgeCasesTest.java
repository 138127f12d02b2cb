package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Aggregations over values at the edges of float64, against Prometheus 3.x's promql/engine.go and functions.go. */
class AggregationEdgeCasesTest {
  private final FakeStorage storage = new FakeStorage();
  private final Engine engine = new Engine(EngineOptions.defaults());

  private List<Sample> query(String q, long timeMs) {
    return ((Vector) engine.instantQuery(storage, q, timeMs).value()).samples();
  }

  /** count_values writes strconv.FormatFloat(f, 'f', -1, 64): Go's shortest digits, in plain notation. */
  @Test
  void countValuesLabelsSubnormalsWithGoShortestDigits() {
    storage.add(Labels.of("__name__", "m", "i", "1"), 0, Double.MIN_VALUE);
    storage.add(Labels.of("__name__", "m", "i", "2"), 0, 2 * Double.MIN_VALUE);
    storage.add(Labels.of("__name__", "m", "i", "3"), 0, 1e21);
    storage.add(Labels.of("__name__", "m", "i", "4"), 0, -0.0);

    List<String> labels = query("count_values(\"v\", m)", 0).stream().map(s -> s.labels().get("v")).toList();

    // Go writes 5e-324 and 1e-323 (strconv/ftoa_test.go has {5e-324, 'g', -1, "5e-324"}); Java's Double.toString
    // writes 4.9E-324 and 9.9E-324, which gave 0.000…049 and 0.000…099.
    assertThat(labels).containsExactlyInAnyOrder("0." + "0".repeat(323) + "5", "0." + "0".repeat(322) + "1",
        "1000000000000000000000", "-0");
  }

  /**
   * 7e307 + 2e307 + 9e307 overflows, so Prometheus switches to its incremental mean at the third value:
   * mean = 9e307 × (2/3) + 9e307 / 3 with Kahan compensation (engine.go), which is 6e307 exactly. The earlier form,
   * mean + (f/3 - mean/3), gave 6.000000000000001e307.
   */
  @Test
  void avgSwitchesToPrometheusIncrementalMeanWhenTheSumOverflows() {
    storage.add(Labels.of("__name__", "big", "i", "a"), 0, 7e307);
    storage.add(Labels.of("__name__", "big", "i", "b"), 0, 2e307);
    storage.add(Labels.of("__name__", "big", "i", "c"), 0, 9e307);
    storage.add(Labels.of("__name__", "series"), 0, 7e307);
    storage.add(Labels.of("__name__", "series"), 10_000, 2e307);
    storage.add(Labels.of("__name__", "series"), 20_000, 9e307);

    assertThat(query("avg(big)", 0).get(0).value()).isEqualTo(6e307);
    // functions.go's avg_over_time does the same over a range.
    assertThat(query("avg_over_time(series[1m])", 20_000).get(0).value()).isEqualTo(6e307);
  }

  /** engine.go ends avg with sum/count + kahanC/count: for one -0 that is -0 + 0, which is +0 (Prometheus writes 0). */
  @Test
  void avgOfASingleNegativeZeroIsPositiveZero() {
    storage.add(Labels.of("__name__", "z"), 0, -0.0);

    // AssertJ's isEqualTo(double) takes -0.0 and 0.0 as equal; their bits tell them apart.
    assertThat(Double.doubleToRawLongBits(query("avg(z)", 0).get(0).value())).isEqualTo(0L);
    assertThat(Double.doubleToRawLongBits(query("sum(z)", 0).get(0).value())).isEqualTo(0L);
    assertThat(Double.doubleToRawLongBits(query("max(z)", 0).get(0).value()))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
  }
}
