package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Aggregations that stream their argument one series at a time ({@link StreamingAggregation}). A unary {@code +} in
 * front of the argument makes the engine take the materialising path with the same semantics; the streamed query
 * writes a space there instead, so annotation positions match too.
 */
class StreamingAggregationTest {
  private static final int JOBS = 10;
  private static final int SERIES = 1000;
  private static final long SCRAPE_MS = 15_000;
  private static final long START_MS = 1_800_000;
  private static final long END_MS = 3_600_000;
  private static final long STEP_MS = 15_000;
  private static final FakeStorage STORAGE = new FakeStorage();

  static {
    Random random = new Random(17);
    for (int i = 0; i < SERIES; i++) {
      Labels counter = Labels.of("__name__", "x_total", "instance", "i" + i, "job", "j" + (i % JOBS));
      double v = 0;
      for (long t = 0; t <= END_MS; t += SCRAPE_MS) {
        v += random.nextInt(100) * 0.1;
        if (i % 97 == 0 && t == 2_400_000) {
          v = 0; // a counter reset
        }
        STORAGE.add(counter, t, v);
      }
    }
    // Few series whose values stress the folds: magnitudes that lose precision without compensation, sums that
    // overflow (avg switches to the incremental mean), NaN and infinities, staleness markers and gaps.
    double[] special = {1e308, 1e308, 1e-16, Double.NaN, Double.POSITIVE_INFINITY, -1e308, 3.3, 1e16};
    for (int i = 0; i < 60; i++) {
      Labels gauge = Labels.of("__name__", "g", "instance", "i" + i, "job", "j" + (i % 3), "zone", "z" + (i % 2));
      for (long t = (i % 4) * 5_000; t <= END_MS; t += SCRAPE_MS) {
        if (i % 7 == 3 && t > 2_000_000 && t < 2_500_000) {
          continue;
        }
        double v = random.nextInt(10) == 0 ? special[random.nextInt(special.length)] : random.nextGaussian() * 1e6;
        STORAGE.add(gauge, t, i % 11 == 5 && t == 3_000_000 ? StaleMarker.STALE_NAN : v);
      }
    }
    // The same labels but the name, so dropping the name merges them (the streamed path leaves that to the other).
    for (long t = 0; t <= END_MS; t += SCRAPE_MS) {
      STORAGE.add(Labels.of("__name__", "a_total", "k", "1"), t, t / 1000.0);
      STORAGE.add(Labels.of("__name__", "b_total", "k", "1"), t, t / 500.0);
    }
  }

  private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static Engine engine(int maxSamples) {
    return new Engine(new EngineOptions(Duration.ofMinutes(5), maxSamples, Duration.ofMinutes(1)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "sum by (job) (%srate(x_total[5m]))",
      "sum without (instance) (%sincrease(x_total[5m]))",
      "avg by (job) (%sirate(x_total[5m]))",
      "count (%sx_total)",
      "max by (job) (%sx_total offset 5m)",
      "min by (job) (%sderiv(x_total[10m]))",
      "sum by (job) (%sg)",
      "avg by (zone) (%sg)",
      "avg (%savg_over_time(g[5m]))",
      "stddev by (job) (%sg)",
      "stdvar without (instance) (%smax_over_time(g[2m]))",
      "group by (zone) (%sg @ 2700)",
      "sum by (__name__, zone) (%slast_over_time(g[1m]))",
      "sum by (job) (%srate(g[5m]))",
      "count by (job) (%schanges(g[5m] offset 1m))",
      "sum (%srate({__name__=~\"a_total|b_total\"}[5m]))",
      // Two names whose series stay distinct without them: streamed after the check of every label set.
      "sum by (job) (%srate({__name__=~\"x_total|g\"}[5m]))",
      "sum without (instance) (%srate({__name__=~\"x_total|g\"}[5m]))"})
  void streamedAggregationsAreBitIdenticalToTheMaterialisedPath(String template) {
    Engine engine = engine(50_000_000);
    String streamed = template.formatted(" ");
    String materialised = template.formatted("+");
    for (long[] range : new long[][] {{START_MS, END_MS, STEP_MS}, {END_MS, END_MS, 0}}) {
      Object expected = outcome(engine, materialised, range);
      Object actual = outcome(engine, streamed, range);
      if (expected instanceof String error) {
        assertThat(actual).isEqualTo(error);
        continue;
      }
      QueryResult e = (QueryResult) expected;
      assertThat(actual).isInstanceOf(QueryResult.class);
      QueryResult a = (QueryResult) actual;
      assertThat(describe(a.value())).isEqualTo(describe(e.value())).isNotEmpty();
      assertThat(a.warnings()).isEqualTo(e.warnings());
      assertThat(a.infos()).isEqualTo(e.infos());
      assertThat(a.stats().totalQueryableSamples()).isEqualTo(e.stats().totalQueryableSamples());
      assertThat(a.stats().perStepSamples()).isEqualTo(e.stats().perStepSamples());
    }
  }

  /** The result of a range query ({start, end, step}) or an instant query (step 0), or its error message. */
  private static Object outcome(Engine engine, String query, long[] range) {
    try {
      return range[2] == 0 ? engine.instantQuery(STORAGE, query, range[0])
          : engine.rangeQuery(STORAGE, query, range[0], range[1], range[2]);
    } catch (PromQLException e) {
      return e.getMessage();
    }
  }

  @Test
  void sumByJobOfRateHoldsGroupsTimesStepsPlusOneSeries() {
    QueryResult r = engine(50_000_000).rangeQuery(STORAGE, "sum by (job) (rate(x_total[5m]))", START_MS, END_MS,
        STEP_MS);
    long steps = (END_MS - START_MS) / STEP_MS + 1;
    // Raw samples of one series in (start - 5m, end].
    long rawPerSeries = (END_MS - (START_MS - 300_000)) / SCRAPE_MS;
    assertThat(((Matrix) r.value()).series()).hasSize(JOBS);
    assertThat(r.stats().peakSamples()).isEqualTo(JOBS * steps + rawPerSeries + steps);
    // The materialised path holds every series' raw samples.
    QueryResult old = engine(50_000_000).rangeQuery(STORAGE, "sum by (job) (+rate(x_total[5m]))", START_MS, END_MS,
        STEP_MS);
    assertThat(old.stats().peakSamples()).isEqualTo(SERIES * rawPerSeries);
  }

  @Test
  void aggregationWhoseSeriesDoNotFitButWhoseGroupsDoSucceeds() {
    Engine small = engine(20_000);
    assertThatThrownBy(() -> small.rangeQuery(STORAGE, "sum by (job) (+rate(x_total[5m]))", START_MS, END_MS,
        STEP_MS))
        .isInstanceOf(PromQLException.class)
        .hasMessage("query processing would load too many samples into memory in query execution");
    QueryResult r = small.rangeQuery(STORAGE, "sum by (job) (rate(x_total[5m]))", START_MS, END_MS, STEP_MS);
    assertThat(((Matrix) r.value()).series()).hasSize(JOBS);
    // Still bounded: a grouping with a group per series does not fit.
    assertThatThrownBy(() -> small.rangeQuery(STORAGE, "sum by (instance) (rate(x_total[5m]))", START_MS, END_MS,
        STEP_MS))
        .hasMessageContaining("too many samples");
  }

  @Test
  void streamedSeriesAllocateNothingPerStep() {
    Engine engine = engine(50_000_000);
    String query = "sum by (job) (rate(x_total[5m]))";
    for (int i = 0; i < 3; i++) { // warm up
      engine.rangeQuery(STORAGE, query, START_MS, END_MS, STEP_MS);
      engine.rangeQuery(STORAGE, query, START_MS, END_MS, STEP_MS / 4);
    }
    long steps = (END_MS - START_MS) / STEP_MS + 1;
    long before = threads.getCurrentThreadAllocatedBytes();
    engine.rangeQuery(STORAGE, query, START_MS, END_MS, STEP_MS);
    long coarse = threads.getCurrentThreadAllocatedBytes() - before;
    before = threads.getCurrentThreadAllocatedBytes();
    engine.rangeQuery(STORAGE, query, START_MS, END_MS, STEP_MS / 4);
    long fine = threads.getCurrentThreadAllocatedBytes() - before;
    // Three times the steps: the extra allocation is the groups' cells, outputs and per-step stats (well under
    // 200 bytes per group and step), not a step array per series (1,000 series x 360 steps x 9 bytes = 3.2 MB).
    long extraSteps = 3 * steps;
    assertThat(fine - coarse).isLessThan(200 * JOBS * extraSteps + 64 * extraSteps);
  }

  /** Labels, timestamps and the exact bits of every value, in order. */
  private static String describe(Value v) {
    StringBuilder out = new StringBuilder();
    if (v instanceof Matrix m) {
      for (RangeSeries s : m.series()) {
        out.append(s.labels()).append(':');
        for (int i = 0; i < s.values().length; i++) {
          out.append(' ').append(s.timestampsMs()[i]).append('=')
              .append(Long.toHexString(Double.doubleToRawLongBits(s.values()[i])));
        }
        out.append('\n');
      }
    } else if (v instanceof Vector vec) {
      for (Sample s : vec.samples()) {
        out.append(s.labels()).append(' ').append(s.timestampMs()).append('=')
            .append(Long.toHexString(Double.doubleToRawLongBits(s.value()))).append('\n');
      }
    }
    return out.toString();
  }

  @Test
  void describeIsNotBlindToValues() {
    List<RangeSeries> a = List.of(new RangeSeries(Labels.of("a", "1"), new long[] {1}, new double[] {0.1 + 0.2}));
    List<RangeSeries> b = List.of(new RangeSeries(Labels.of("a", "1"), new long[] {1}, new double[] {0.3}));
    assertThat(describe(new Matrix(a))).isNotEqualTo(describe(new Matrix(b)));
  }
}
