package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EngineTest {
  private final FakeStorage storage = new FakeStorage();
  private final Engine engine = new Engine(EngineOptions.defaults());

  private void series(Labels labels, long stepMs, double... values) {
    for (int i = 0; i < values.length; i++) {
      storage.add(labels, i * stepMs, values[i]);
    }
  }

  private double scalar(String q) {
    return ((Scalar) engine.instantQuery(storage, q, 0).value()).value();
  }

  private Vector vector(String q, long timeMs) {
    return (Vector) engine.instantQuery(storage, q, timeMs).value();
  }

  @Test
  void arithmeticPrecedenceOnScalars() {
    assertThat(scalar("1 + 2 * 3")).isEqualTo(7);
    assertThat(scalar("2 ^ 3 ^ 2")).isEqualTo(512);
    assertThat(scalar("-2 ^ 2")).isEqualTo(-4);
    assertThat(scalar("10 % 4 * 2")).isEqualTo(4);
    assertThat(scalar("1 < bool 2")).isEqualTo(1);
    assertThat(scalar("1 ^ NaN")).isEqualTo(1);
  }

  @Test
  void subqueryGridAboveMaxSamplesIsTooManySamplesBeforeAllocating() {
    // 86.4M points ran out of memory; 2.6G points overflowed int into NegativeArraySizeException (a 500).
    for (String q : new String[] {"count_over_time(vector(1)[1d:1ms])", "count_over_time(vector(1)[30d:1ms])",
        "vector(1)[30d:1ms]", "count_over_time(vector(1)[290y:1ms])"}) {
      assertThatThrownBy(() -> engine.instantQuery(storage, q, 0))
          .as(q)
          .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.EXECUTION))
          .hasMessage("query processing would load too many samples into memory in query execution");
    }
    assertThat(scalar("scalar(count_over_time(vector(1)[1h:1s]))")).isEqualTo(3600);
    // Past Go's int64 nanoseconds (about 292 years) a duration does not parse, as in Prometheus.
    assertThatThrownBy(() -> engine.instantQuery(storage, "count_over_time(vector(1)[300y:1ms])", 0))
        .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA))
        .hasMessageContaining("duration out of range");
  }

  @Test
  void rangeQueryGridAboveMaxSamplesIsTooManySamples() {
    Engine small = new Engine(new EngineOptions(Duration.ofMinutes(5), 1000, Duration.ofMinutes(1)));
    assertThatThrownBy(() -> small.rangeQuery(storage, "vector(1)", 0, 1_000_000, 1))
        .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.EXECUTION));
    assertThatThrownBy(() -> engine.rangeQuery(storage, "1", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, 1))
        .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.EXECUTION));
    assertThat(((Matrix) small.rangeQuery(storage, "vector(1)", 0, 999_000, 1000).value()).series()).hasSize(1);
  }

  @Test
  void evaluatesQueriesAtTheDepthLimitOnAOneMegabyteStack() throws InterruptedException {
    // vector(1) is two levels (a call and its literal); the wrappers fill the rest up to the limit.
    int wrappers = io.narthex.promql.parser.Parser.MAX_DEPTH - 2;
    String[] queries = {
        "(".repeat(wrappers) + "vector(1)" + ")".repeat(wrappers),
        "-".repeat(wrappers) + "vector(1)",
        "sum(".repeat(wrappers) + "vector(1)" + ")".repeat(wrappers),
        "vector(1)" + " * on() group_left vector(1)".repeat(wrappers),
        "max_over_time(".repeat(wrappers / 2) + "vector(1)" + "[1m:])".repeat(wrappers / 2),
        "label_replace(".repeat(wrappers) + "vector(1)" + ", \"a\", \"b\", \"c\", \"d\")".repeat(wrappers)};
    java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread thread = new Thread(null, () -> {
      for (String q : queries) {
        try {
          engine.rangeQuery(storage, q, 0, 600_000, 60_000);
        } catch (Throwable t) {
          failures.add(t);
        }
      }
    }, "default-stack", 1024 * 1024);
    thread.start();
    thread.join();
    assertThat(failures).isEmpty();
  }

  @Test
  void rateExtrapolatesToRangeBoundaries() {
    Labels l = Labels.of("__name__", "c");
    // 0, 10, ..., 100 every 15s
    double[] v = new double[11];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 10;
    }
    series(l, 15_000, v);
    // window (150s-60s, 150s]: samples at 105,120,135,150 -> 70..100, extrapolated to 60s.
    Vector r = vector("rate(c[1m])", 150_000);
    assertThat(r.samples()).singleElement().satisfies(s -> {
      assertThat(s.labels()).isEqualTo(Labels.EMPTY);
      assertThat(s.value()).isCloseTo(30.0 / 45 * (45 + 15) / 60, within(1e-9));
    });
    Vector inc = vector("increase(c[1m])", 150_000);
    assertThat(inc.samples().get(0).value()).isCloseTo(40, within(1e-9));
  }

  @Test
  void rateHandlesCounterResetsAndZeroFloor() {
    series(Labels.of("__name__", "c"), 10_000, 5, 10, 2, 6);
    // increase: (6-5) + 10 = 11 over 30s sampled; the start is floored at the zero point.
    Vector inc = vector("increase(c[40s])", 30_000);
    double sampled = 30;
    double result = 11;
    double durationToZero = sampled * (5 / result);
    double durationToStart = Math.min(10, durationToZero);
    double avg = sampled / 3;
    durationToStart = 10 >= avg * 1.1 ? avg / 2 : durationToStart;
    assertThat(inc.samples().get(0).value()).isCloseTo(result * (sampled + Math.min(durationToStart, durationToZero))
        / sampled, within(1e-9));
  }

  @Test
  void instantSelectorUsesLookbackAndHonoursStaleness() {
    Labels a = Labels.of("__name__", "m", "i", "a");
    storage.add(a, 0, 1);
    storage.add(a, 60_000, 2);
    storage.add(a, 120_000, StaleMarker.STALE_NAN);
    assertThat(vector("m", 90_000).samples()).singleElement().extracting(Sample::value).isEqualTo(2.0);
    assertThat(vector("m", 120_000).samples()).isEmpty();
    Labels b = Labels.of("__name__", "n");
    storage.add(b, 0, 1);
    assertThat(vector("n", 299_999).samples()).hasSize(1);
    assertThat(vector("n", 300_000).samples()).isEmpty();
  }

  @Test
  void histogramQuantileInterpolatesWithinBuckets() {
    series(Labels.of("__name__", "h_bucket", "le", "1"), 60_000, 10);
    series(Labels.of("__name__", "h_bucket", "le", "2"), 60_000, 20);
    series(Labels.of("__name__", "h_bucket", "le", "+Inf"), 60_000, 20);
    assertThat(vector("histogram_quantile(0.75, h_bucket)", 0).samples()).singleElement()
        .satisfies(s -> {
          assertThat(s.labels()).isEqualTo(Labels.EMPTY);
          assertThat(s.value()).isCloseTo(1.5, within(1e-9));
        });
    assertThat(vector("histogram_quantile(1, h_bucket)", 0).samples().get(0).value()).isEqualTo(2);
  }

  @Test
  void histogramQuantileFixesNonMonotonicBuckets() {
    series(Labels.of("__name__", "h_bucket", "le", "1"), 60_000, 10);
    series(Labels.of("__name__", "h_bucket", "le", "2"), 60_000, 8);
    series(Labels.of("__name__", "h_bucket", "le", "+Inf"), 60_000, 20);
    assertThat(vector("histogram_quantile(0.5, h_bucket)", 0).samples().get(0).value()).isEqualTo(1);
  }

  @Test
  void rangeQueryOfScalarIsOneSeriesWithEmptyLabels() {
    Matrix m = (Matrix) engine.rangeQuery(storage, "time()", 0, 120_000, 60_000).value();
    assertThat(m.series()).singleElement().satisfies(rs -> {
      assertThat(rs.labels()).isEqualTo(Labels.EMPTY);
      assertThat(rs.timestampsMs()).containsExactly(0, 60_000, 120_000);
      assertThat(rs.values()).containsExactly(0, 60, 120);
    });
  }

  @Test
  void instantQueryOfRangeSelectorIsLeftOpenMatrix() {
    series(Labels.of("__name__", "m"), 60_000, 1, 2, 3);
    Matrix m = (Matrix) engine.instantQuery(storage, "m[1m]", 120_000).value();
    assertThat(m.series()).singleElement().satisfies(rs -> assertThat(rs.timestampsMs()).containsExactly(120_000));
  }

  @Test
  void manyToManyMatchingIsAnExecutionError() {
    series(Labels.of("__name__", "a", "x", "1"), 60_000, 1);
    series(Labels.of("__name__", "b", "x", "1", "y", "1"), 60_000, 1);
    series(Labels.of("__name__", "b", "x", "1", "y", "2"), 60_000, 1);
    assertThatThrownBy(() -> engine.instantQuery(storage, "a + on(x) b", 0))
        .isInstanceOfSatisfying(PromQLException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.EXECUTION);
          assertThat(e.getMessage()).isEqualTo("found duplicate series for the match group {x=\"1\"} on the right "
              + "hand-side of the operation: [{__name__=\"b\", x=\"1\", y=\"1\"}, {__name__=\"b\", x=\"1\", y=\"2\"}]"
              + ";many-to-many matching not allowed: matching labels must be unique on one side");
        });
  }

  @Test
  void tooManySamplesIsAnExecutionError() {
    series(Labels.of("__name__", "m"), 1_000, new double[100]);
    Engine small = new Engine(new EngineOptions(Duration.ofMinutes(5), 10, Duration.ofMinutes(1)));
    assertThatThrownBy(() -> small.instantQuery(storage, "m[5m]", 100_000))
        .isInstanceOfSatisfying(PromQLException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.EXECUTION);
          assertThat(e.getMessage())
              .isEqualTo("query processing would load too many samples into memory in query execution");
        });
  }

  @Test
  void exceededTimeoutIsATimeoutError() {
    series(Labels.of("__name__", "m"), 1_000, 1, 2, 3);
    Engine hasty = new Engine(new EngineOptions(Duration.ofMinutes(5), 1000, Duration.ofNanos(-1)));
    assertThatThrownBy(() -> hasty.instantQuery(storage, "m", 1_000))
        .isInstanceOfSatisfying(PromQLException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.TIMEOUT);
          assertThat(e.getMessage()).isEqualTo("query timed out in expression evaluation");
        });
  }

  @Test
  void subqueryWithoutStepUsesTheDefaultEvaluationInterval() {
    series(Labels.of("__name__", "m"), 10_000, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    // Prometheus and Mimir default to 1m: at 125s, [1m:] evaluates m at 120s only.
    assertThat(vector("count_over_time(m[1m:])", 125_000).samples().get(0).value()).isEqualTo(1);
    // -querier.default-evaluation-interval=20s: at 80s, 100s and 120s, as [1m:20s] does.
    Engine every20s = new Engine(new EngineOptions(Duration.ofMinutes(5), 1000, Duration.ofMinutes(1),
        Duration.ofSeconds(20)));
    assertThat(((Vector) every20s.instantQuery(storage, "count_over_time(m[1m:])", 125_000).value()).samples().get(0)
        .value()).isEqualTo(3);
    assertThatThrownBy(() -> new EngineOptions(Duration.ofMinutes(5), 1000, Duration.ofMinutes(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Four samples 15s apart rising by 0.1 from 1e12: the least-squares slope is 0.1/15 per second. Prometheus's
   * linearRegression (functions.go) sums with Kahan compensation and reaches it; plain sums give 0.00668.
   */
  @Test
  void derivAndPredictLinearUseCompensatedSumsOnLargeValues() {
    series(Labels.of("__name__", "big"), 15_000, 1e12, 1e12 + 0.1, 1e12 + 0.2, 1e12 + 0.3);
    assertThat(vector("deriv(big[1m])", 45_000).samples().get(0).value()).isEqualTo(0.1 / 15);
    assertThat(vector("predict_linear(big[1m], 0)", 45_000).samples().get(0).value()).isEqualTo(1e12 + 0.3);
  }

  @Test
  void subqueryStepsAreAlignedToEpoch() {
    series(Labels.of("__name__", "m"), 10_000, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    // At 125s, [1m:20s] evaluates m at 80s, 100s, 120s (aligned), not 65s, 85s, ...
    Vector v = vector("count_over_time(m[1m:20s])", 125_000);
    assertThat(v.samples().get(0).value()).isEqualTo(3);
    assertThat(vector("max_over_time(m[1m:20s])", 125_000).samples().get(0).value()).isEqualTo(12);
  }
}
