package io.narthex.promql;

import java.util.Arrays;
import java.util.Objects;

/**
 * Statistics of one query, the numbers Prometheus's HTTP API returns under {@code stats} (util/stats/query_stats.go):
 * the {@code timings} object in seconds and the {@code samples} object.
 *
 * <p><b>Timings</b> (wall clock, seconds):
 * <ul>
 *   <li>{@code execTotalTimeSeconds}: the whole {@code Engine} call, parsing included (Prometheus: queue plus
 *       evaluation; Narthex's engine has no queue, so the difference to {@code evalTotalTimeSeconds} is parse time).
 *   <li>{@code execQueueTimeSeconds}: always 0; the engine does not queue queries (a caller that does can fill it in
 *       with {@link #withExecQueueTimeSeconds}).
 *   <li>{@code evalTotalTimeSeconds}: evaluation after parsing: preparation + inner evaluation + result sort.
 *   <li>{@code queryPreparationTimeSeconds}: time spent opening storage queriers and selecting series (Prometheus's
 *       "populate series"). Narthex selects lazily while it evaluates, so this is summed over all selectors.
 *   <li>{@code innerEvalTimeSeconds}: {@code evalTotal - preparation - resultSort}: walking samples and computing.
 *   <li>{@code resultSortTimeSeconds}: sorting the final series of a range query by labels (0 for instant queries).
 * </ul>
 *
 * <p><b>totalQueryableSamples</b> follows Prometheus's definition (promql/engine.go): an instant-vector selector
 * counts one sample per series per step at which it yields a value (so a sample reused by several steps through the
 * lookback window counts once per step); a range selector or subquery that is a function argument counts, at every
 * step, the samples inside that step's window (a sample in the windows of five steps counts five times, also with
 * {@code @}); a top-level range selector of an instant query counts its samples; a top-level subquery of an instant
 * query counts what its inner expression counted. Samples counted inside a subquery that feeds a function are not
 * counted again (Prometheus discards the subquery's own counts there and counts the windows instead). Literals and
 * strings count nothing. Native histograms do not exist in Narthex, so every sample counts 1.
 *
 * <p><b>perStepTimestampsMs / perStepSamples</b> ({@code totalQueryableSamplesPerStep}, only with
 * {@code stats=all}): the same count split by the query's steps, aligned to step times (one entry at the evaluation
 * time for an instant query); the entries sum to {@code totalQueryableSamples}. The JSON form is
 * {@code [[seconds, count], ...]}.
 *
 * <p><b>peakSamples</b> is an approximation. Prometheus reports its running count of points held at once. Narthex
 * loads each selector's raw samples once for the whole step range and keeps them until the query ends, so its
 * in-memory count mostly grows: raw samples loaded from storage (range selectors after dropping staleness markers)
 * plus the points of evaluated subqueries. An aggregation that streams its argument ({@link StreamingAggregation}:
 * {@code sum by (job) (rate(x[5m]))}) holds instead its groups x steps plus one series at a time (its raw samples
 * and its steps), and keeps its groups x steps output. peakSamples is the largest of these sums during the query.
 * It is the number the engine checks against {@link EngineOptions#maxSamples()}: a query fails with "too many
 * samples" exactly when it would exceed the limit. It usually differs from Prometheus's figure (it counts raw
 * samples rather than per-step points and leaves out most result points).
 *
 * <p>The arrays are shared, not copied; do not modify them.
 */
public record QueryStats(
    double evalTotalTimeSeconds,
    double resultSortTimeSeconds,
    double queryPreparationTimeSeconds,
    double innerEvalTimeSeconds,
    double execQueueTimeSeconds,
    double execTotalTimeSeconds,
    long totalQueryableSamples,
    long peakSamples,
    long[] perStepTimestampsMs,
    long[] perStepSamples) {

  /** No timings, no samples, no steps. */
  public static final QueryStats EMPTY = new QueryStats(0, 0, 0, 0, 0, 0, 0, 0, new long[0], new long[0]);

  public QueryStats {
    Objects.requireNonNull(perStepTimestampsMs, "perStepTimestampsMs");
    Objects.requireNonNull(perStepSamples, "perStepSamples");
    if (perStepTimestampsMs.length != perStepSamples.length) {
      throw new IllegalArgumentException("perStepTimestampsMs and perStepSamples differ in length: "
          + perStepTimestampsMs.length + " != " + perStepSamples.length);
    }
  }

  /** A copy with {@code execQueueTimeSeconds} set and added to {@code execTotalTimeSeconds}, for callers that queue. */
  public QueryStats withExecQueueTimeSeconds(double seconds) {
    return new QueryStats(evalTotalTimeSeconds, resultSortTimeSeconds, queryPreparationTimeSeconds,
        innerEvalTimeSeconds, seconds, execTotalTimeSeconds - execQueueTimeSeconds + seconds, totalQueryableSamples,
        peakSamples, perStepTimestampsMs, perStepSamples);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QueryStats s
        && Double.compare(evalTotalTimeSeconds, s.evalTotalTimeSeconds) == 0
        && Double.compare(resultSortTimeSeconds, s.resultSortTimeSeconds) == 0
        && Double.compare(queryPreparationTimeSeconds, s.queryPreparationTimeSeconds) == 0
        && Double.compare(innerEvalTimeSeconds, s.innerEvalTimeSeconds) == 0
        && Double.compare(execQueueTimeSeconds, s.execQueueTimeSeconds) == 0
        && Double.compare(execTotalTimeSeconds, s.execTotalTimeSeconds) == 0
        && totalQueryableSamples == s.totalQueryableSamples
        && peakSamples == s.peakSamples
        && Arrays.equals(perStepTimestampsMs, s.perStepTimestampsMs)
        && Arrays.equals(perStepSamples, s.perStepSamples);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(evalTotalTimeSeconds, resultSortTimeSeconds, queryPreparationTimeSeconds,
        innerEvalTimeSeconds, execQueueTimeSeconds, execTotalTimeSeconds, totalQueryableSamples, peakSamples);
    return 31 * (31 * h + Arrays.hashCode(perStepTimestampsMs)) + Arrays.hashCode(perStepSamples);
  }

  @Override
  public String toString() {
    return "QueryStats[evalTotalTimeSeconds=" + evalTotalTimeSeconds + ", resultSortTimeSeconds="
        + resultSortTimeSeconds + ", queryPreparationTimeSeconds=" + queryPreparationTimeSeconds
        + ", innerEvalTimeSeconds=" + innerEvalTimeSeconds + ", execQueueTimeSeconds=" + execQueueTimeSeconds
        + ", execTotalTimeSeconds=" + execTotalTimeSeconds + ", totalQueryableSamples=" + totalQueryableSamples
        + ", peakSamples=" + peakSamples + ", perStepTimestampsMs=" + Arrays.toString(perStepTimestampsMs)
        + ", perStepSamples=" + Arrays.toString(perStepSamples) + "]";
  }
}
