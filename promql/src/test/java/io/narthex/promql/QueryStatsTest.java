package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Query statistics. The sample counts are the float cases of Prometheus's TestQueryStatistics (promql/engine_test.go),
 * on the same data.
 */
class QueryStatsTest {
  private static final FakeStorage STORAGE = new FakeStorage();

  static {
    // load 10s: metricWith1SampleEvery10Seconds 1+1x100, metricWith3SampleEvery10Seconds{a,b} 1+1x100 (3 series).
    Labels m1 = Labels.of("__name__", "metricWith1SampleEvery10Seconds");
    List<Labels> m3 = List.of(
        Labels.of("__name__", "metricWith3SampleEvery10Seconds", "a", "1", "b", "1"),
        Labels.of("__name__", "metricWith3SampleEvery10Seconds", "a", "2", "b", "2"),
        Labels.of("__name__", "metricWith3SampleEvery10Seconds", "a", "3", "b", "2"));
    for (int i = 0; i <= 100; i++) {
      STORAGE.add(m1, i * 10_000L, 1 + i);
      for (Labels l : m3) {
        STORAGE.add(l, i * 10_000L, 1 + i);
      }
    }
  }

  private final Engine engine = new Engine(EngineOptions.defaults());

  static Stream<Arguments> instantQueries() {
    return Stream.of(
        Arguments.of("\"literal string\"", 21, 0),
        Arguments.of("1", 21, 0),
        Arguments.of("metricWith1SampleEvery10Seconds", 21, 1),
        Arguments.of("timestamp(metricWith1SampleEvery10Seconds)", 21, 1),
        Arguments.of("metricWith1SampleEvery10Seconds", 22, 1),
        Arguments.of("metricWith1SampleEvery10Seconds offset 10s", 21, 1),
        Arguments.of("metricWith1SampleEvery10Seconds @ 15", 21, 1),
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"}", 21, 1),
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"} @ 19", 21, 1),
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"}[20s] @ 19", 21, 2),
        Arguments.of("metricWith3SampleEvery10Seconds", 21, 3),
        Arguments.of("metricWith1SampleEvery10Seconds[60s]", 201, 6),
        Arguments.of("max_over_time(metricWith1SampleEvery10Seconds[60s])[20s:5s]", 201, 24),
        Arguments.of("max_over_time(metricWith1SampleEvery10Seconds[61s])[20s:5s]", 201, 26),
        Arguments.of("metricWith1SampleEvery10Seconds[60s] @ 30", 201, 4),
        Arguments.of("sum(max_over_time(metricWith3SampleEvery10Seconds[60s] @ 30))", 201, 12),
        Arguments.of("sum by (b) (max_over_time(metricWith3SampleEvery10Seconds[60s] @ 30))", 201, 12),
        Arguments.of("metricWith1SampleEvery10Seconds[60s] offset 10s", 201, 6),
        Arguments.of("metricWith3SampleEvery10Seconds[60s]", 201, 18),
        Arguments.of("max_over_time(metricWith1SampleEvery10Seconds[60s])", 201, 6),
        Arguments.of("absent_over_time(metricWith1SampleEvery10Seconds[60s])", 201, 6),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds[60s])", 201, 18),
        Arguments.of("metricWith1SampleEvery10Seconds[60s:5s]", 201, 12),
        Arguments.of("metricWith1SampleEvery10Seconds[60s:5s] offset 10s", 201, 12),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 201, 36),
        Arguments.of("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))"
            + " + sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))", 201, 72));
  }

  @ParameterizedTest(name = "{0} at {1}s")
  @MethodSource("instantQueries")
  void instantQueryCountsSamplesLikePrometheus(String query, long timeSeconds, long total) {
    QueryStats stats = engine.instantQuery(STORAGE, query, timeSeconds * 1000).stats();
    assertThat(stats.totalQueryableSamples()).isEqualTo(total);
    assertThat(stats.perStepTimestampsMs()).containsExactly(timeSeconds * 1000);
    assertThat(stats.perStepSamples()).containsExactly(total);
  }

  static Stream<Arguments> rangeQueries() {
    return Stream.of(
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"}", 201, 220, 5, new long[] {1, 1, 1, 1}),
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"}", 204, 223, 5, new long[] {1, 1, 1, 1}),
        Arguments.of("timestamp(metricWith1SampleEvery10Seconds)", 201, 220, 5, new long[] {1, 1, 1, 1}),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds{a=\"1\"}[10s])", 991, 1021, 10,
            new long[] {1, 1, 0, 0}),
        Arguments.of("metricWith3SampleEvery10Seconds{a=\"1\"} offset 10s", 201, 220, 5, new long[] {1, 1, 1, 1}),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds[60s] @ 30)", 201, 220, 5,
            new long[] {12, 12, 12, 12}),
        Arguments.of("metricWith3SampleEvery10Seconds", 201, 220, 5, new long[] {3, 3, 3, 3}),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds[60s])", 201, 220, 5,
            new long[] {18, 18, 18, 18}),
        Arguments.of("max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 201, 220, 5,
            new long[] {36, 36, 36, 36}),
        Arguments.of("max_over_time(metricWith1SampleEvery10Seconds[60s:5s])", 201, 220, 5,
            new long[] {12, 12, 12, 12}),
        Arguments.of("sum by (b) (max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))", 201, 220, 5,
            new long[] {12, 12, 12, 12}),
        Arguments.of("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))"
            + " + sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))", 201, 220, 5,
            new long[] {72, 72, 72, 72}),
        Arguments.of("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))"
            + " + sum(max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))", 201, 220, 5,
            new long[] {48, 48, 48, 48}));
  }

  @ParameterizedTest(name = "{0} from {1}s to {2}s step {3}s")
  @MethodSource("rangeQueries")
  void rangeQueryCountsSamplesPerStepLikePrometheus(String query, long startS, long endS, long stepS,
      long[] perStep) {
    QueryStats stats = engine.rangeQuery(STORAGE, query, startS * 1000, endS * 1000, stepS * 1000).stats();
    long[] times = new long[perStep.length];
    long total = 0;
    for (int i = 0; i < perStep.length; i++) {
      times[i] = (startS + i * stepS) * 1000;
      total += perStep[i];
    }
    assertThat(stats.perStepTimestampsMs()).containsExactly(times);
    assertThat(stats.perStepSamples()).containsExactly(perStep);
    assertThat(stats.totalQueryableSamples()).isEqualTo(total);
  }

  @ParameterizedTest
  @MethodSource("instantQueries")
  void peakSamplesIsWhatTheSampleLimitIsCheckedAgainst(String query, long timeSeconds, long total) {
    long peak = engine.instantQuery(STORAGE, query, timeSeconds * 1000).stats().peakSamples();
    if (peak == 0) {
      return;
    }
    Duration timeout = Duration.ofMinutes(1);
    Engine atLimit = new Engine(new EngineOptions(Duration.ofMinutes(5), (int) peak, timeout));
    assertThat(atLimit.instantQuery(STORAGE, query, timeSeconds * 1000).stats().peakSamples()).isEqualTo(peak);
    Engine belowLimit = new Engine(new EngineOptions(Duration.ofMinutes(5), (int) peak - 1, timeout));
    assertThatThrownBy(() -> belowLimit.instantQuery(STORAGE, query, timeSeconds * 1000))
        .isInstanceOf(PromQLException.class)
        .hasMessageContaining("too many samples");
  }

  @Test
  void peakSamplesCountsRawSamplesLoaded() {
    // Lookback (201s-5m, 201s] holds 21 samples of each of the 3 series.
    assertThat(engine.instantQuery(STORAGE, "metricWith3SampleEvery10Seconds", 201_000).stats().peakSamples())
        .isEqualTo(63);
    // Inner steps 185s..200s load (125s, 200s]: 8 samples, plus the 4 points of the subquery.
    assertThat(engine.instantQuery(STORAGE, "max_over_time(metricWith1SampleEvery10Seconds[60s])[20s:5s]", 201_000)
        .stats().peakSamples()).isEqualTo(12);
  }

  @Test
  void timingsAreConsistent() {
    QueryStats s = engine.rangeQuery(STORAGE, "sum by (b) (rate(metricWith3SampleEvery10Seconds[1m]))", 0,
        1_000_000, 10_000).stats();
    assertThat(s.execQueueTimeSeconds()).isZero();
    assertThat(s.evalTotalTimeSeconds()).isPositive();
    assertThat(s.execTotalTimeSeconds()).isGreaterThanOrEqualTo(s.evalTotalTimeSeconds());
    assertThat(s.queryPreparationTimeSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(s.resultSortTimeSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(s.innerEvalTimeSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(s.innerEvalTimeSeconds() + s.queryPreparationTimeSeconds() + s.resultSortTimeSeconds())
        .isCloseTo(s.evalTotalTimeSeconds(), within(1e-6));
    QueryStats queued = s.withExecQueueTimeSeconds(0.5);
    assertThat(queued.execQueueTimeSeconds()).isEqualTo(0.5);
    assertThat(queued.execTotalTimeSeconds()).isCloseTo(s.execTotalTimeSeconds() + 0.5, within(1e-12));
  }

  @Test
  void threeArgumentResultHasEmptyStats() {
    QueryResult r = new QueryResult(new Scalar(0, 1), List.of(), List.of());
    assertThat(r.stats()).isEqualTo(QueryStats.EMPTY);
    assertThat(r.stats().perStepSamples()).isEmpty();
    assertThat(new QueryResult(new Scalar(0, 1), List.of(), List.of(), QueryStats.EMPTY)).isEqualTo(r);
  }

  @Test
  void statsValueSemantics() {
    QueryStats a = new QueryStats(1, 0, 0, 1, 0, 1, 3, 4, new long[] {10}, new long[] {3});
    QueryStats b = new QueryStats(1, 0, 0, 1, 0, 1, 3, 4, new long[] {10}, new long[] {3});
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.toString()).contains("perStepSamples=[3]");
    assertThatThrownBy(() -> new QueryStats(0, 0, 0, 0, 0, 0, 0, 0, new long[1], new long[2]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void subqueryInsideAnExpressionCountsItsWindowsPerStep() {
    // A subquery's own counts go to a scope of their own and do not leak into the query's step counts.
    QueryStats s = engine.rangeQuery(STORAGE,
        "metricWith1SampleEvery10Seconds + on() count_over_time(metricWith1SampleEvery10Seconds[20s:10s])",
        200_000, 210_000, 10_000).stats();
    // 1 sample per step from the selector plus the 2 subquery points in each step's window.
    assertThat(s.perStepSamples()).containsExactly(3, 3);
  }
}
