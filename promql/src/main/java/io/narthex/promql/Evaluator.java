package io.narthex.promql;

import io.narthex.promql.parser.Expr;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StaleMarker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Step-based evaluation of a parsed query over a whole step grid at once, after Prometheus's promql/engine.go:
 * every selector is selected once and its samples walked per step.
 */
final class Evaluator {
  /** Marks "no output at this step" in range-function results (a NaN payload arithmetic never produces). */
  static final long ABSENT_BITS = 0x7ff8dead0000beefL;
  static final double ABSENT = Double.longBitsToDouble(ABSENT_BITS);

  final Queryable storage;
  final long lookbackMs;
  /** Step of a subquery written without one, ms ({@link EngineOptions#defaultEvaluationInterval()}). */
  final long defaultSubqueryStepMs;
  final long maxSamples;
  final long deadlineNanos;
  final long queryStartMs;
  final long queryEndMs;
  final long queryStepMs;
  /** Samples held until the query ends: raw samples loaded, subquery points, streamed aggregations' outputs. */
  long loadedSamples;
  /**
   * The most samples held at once ({@link QueryStats#peakSamples()}): {@link #loadedSamples} plus, while an
   * aggregation streams its argument, its accumulators and the one series in flight (see {@link #holdTransient}).
   */
  long peakSamples;
  final Annotations annotations;
  /** Nanoseconds spent opening queriers and selecting series ({@link QueryStats#queryPreparationTimeSeconds()}). */
  long preparationNanos;
  /**
   * Samples counted for {@link QueryStats#totalQueryableSamples()} in the current scope; subqueries count into a
   * scope of their own (see {@link #rangeArg}).
   */
  long queryableSamples;
  /** The same split by step of the query's grid, or null inside a subquery (whose steps are not the query's). */
  long[] queryableSamplesPerStep;

  Evaluator(Queryable storage, EngineOptions options, String query, long queryStartMs, long queryEndMs,
      long queryStepMs, long deadlineNanos) {
    this.annotations = new Annotations(query);
    this.queryStepMs = queryStepMs;
    this.storage = storage;
    this.lookbackMs = options.lookbackDelta().toMillis();
    this.defaultSubqueryStepMs = options.defaultEvaluationInterval().toMillis();
    this.maxSamples = options.maxSamples();
    this.deadlineNanos = deadlineNanos;
    this.queryStartMs = queryStartMs;
    this.queryEndMs = queryEndMs;
    this.queryableSamplesPerStep = new long[grid(queryStartMs, queryEndMs, queryStepMs).steps()];
  }

  /**
   * The grid [startMs, endMs] by stepMs, after checking that its point count (in {@code long}) stays within
   * max-samples: one series over it holds that many samples, so a larger grid fails before any array is allocated.
   *
   * @throws PromQLException EXECUTION "too many samples" otherwise, as Prometheus answers (422)
   */
  StepGrid grid(long startMs, long endMs, long stepMs) {
    if (StepGrid.pointCount(startMs, endMs, stepMs) > maxSamples) {
      throw tooManySamples();
    }
    return new StepGrid(startMs, endMs, stepMs);
  }

  /** Counts {@code n} queryable samples used at step {@code step} of the current evaluation grid. */
  void countQueryable(int step, long n) {
    queryableSamples += n;
    if (queryableSamplesPerStep != null) {
      queryableSamplesPerStep[step] += n;
    }
  }

  /** Whether this evaluates a range query over more than one step (Prometheus warns about sorting there). */
  boolean isRangeQuery() {
    return queryStartMs != queryEndMs;
  }

  static final List<String> NAME_LABELS = List.of(Labels.METRIC_NAME, "__type__", "__unit__");

  /**
   * Drops the metric name as functions and operators do; the type and unit metadata labels ({@code __type__},
   * {@code __unit__}) describe the name and go with it.
   */
  static Labels dropName(Labels labels) {
    if (!labels.has("__type__") && !labels.has("__unit__")) {
      return labels.withoutMetricName();
    }
    return labels.without(NAME_LABELS);
  }

  static boolean isAbsent(double v) {
    return Double.doubleToRawLongBits(v) == ABSENT_BITS;
  }

  void checkTimeout() {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new PromQLException(ErrorType.TIMEOUT, "query timed out in expression evaluation");
    }
  }

  void countSamples(long n) {
    loadedSamples += n;
    if (loadedSamples > maxSamples) {
      throw tooManySamples();
    }
    peakSamples = Math.max(peakSamples, loadedSamples);
  }

  /**
   * Checks that {@code n} samples held for a moment on top of {@link #loadedSamples} (a streamed series and the
   * accumulators it folds into) stay within max-samples, and records the peak.
   *
   * @throws PromQLException EXECUTION "too many samples" otherwise
   */
  void holdTransient(long n) {
    long held = loadedSamples + n;
    if (held > maxSamples) {
      throw tooManySamples();
    }
    peakSamples = Math.max(peakSamples, held);
  }

  /** Prometheus's ErrTooManySamples for the "query execution" environment. */
  private static PromQLException tooManySamples() {
    return new PromQLException(ErrorType.EXECUTION,
        "query processing would load too many samples into memory in query execution");
  }

  static PromQLException execError(String message) {
    return new PromQLException(ErrorType.EXECUTION, message);
  }

  Long resolveAt(Expr.At at) {
    return switch (at.kind()) {
      case NONE -> null;
      case TIMESTAMP -> at.timestampMs();
      case START -> queryStartMs;
      case END -> queryEndMs;
    };
  }

  Result eval(Expr e, StepGrid grid) {
    checkTimeout();
    return switch (e) {
      case Expr.NumberLiteral n -> {
        double[] v = new double[grid.steps()];
        Arrays.fill(v, n.value());
        yield new Result.StepScalar(v);
      }
      case Expr.StringLiteral s -> new Result.StepString(s.value());
      case Expr.Paren p -> eval(p.expr(), grid);
      case Expr.Unary u -> evalUnary(u, grid);
      case Expr.VectorSelector vs -> new Result.StepVector(selectVector(vs, grid, false));
      case Expr.Call c -> FunctionCalls.eval(this, c, grid);
      case Expr.Aggregate a -> Aggregations.eval(this, a, grid);
      case Expr.Binary b -> BinaryEval.eval(this, b, grid);
      case Expr.MatrixSelector m -> throw new PromQLException(ErrorType.INTERNAL, "unexpected range vector");
      case Expr.Subquery s -> throw new PromQLException(ErrorType.INTERNAL, "unexpected subquery");
    };
  }

  List<StepSeries> evalVector(Expr e, StepGrid grid) {
    return ((Result.StepVector) eval(e, grid)).series();
  }

  double[] evalScalar(Expr e, StepGrid grid) {
    return ((Result.StepScalar) eval(e, grid)).values();
  }

  private Result evalUnary(Expr.Unary u, StepGrid grid) {
    Result r = eval(u.expr(), grid);
    if (u.op().equals("+")) {
      return r;
    }
    if (r instanceof Result.StepScalar s) {
      double[] out = new double[s.values().length];
      for (int i = 0; i < out.length; i++) {
        out[i] = -s.values()[i];
      }
      return new Result.StepScalar(out);
    }
    List<StepSeries> in = ((Result.StepVector) r).series();
    for (StepSeries s : in) {
      s.labels = Evaluator.dropName(s.labels);
      for (int i = 0; i < s.values.length; i++) {
        s.values[i] = -s.values[i];
      }
    }
    return new Result.StepVector(dedupe(in));
  }

  // ---------------------------------------------------------------- selectors

  List<SeriesData> load(Expr.VectorSelector vs, long minMs, long maxMs, boolean keepStale, long stepMs,
      String function, long rangeMs) {
    List<SeriesData> out = new ArrayList<>();
    if (maxMs < minMs) {
      return out;
    }
    try (Querier q = storage.querier(minMs, maxMs)) {
      SampleBuffer buf = new SampleBuffer();
      for (Series s : select(q, vs, minMs, maxMs, stepMs, function, rangeMs)) {
        checkTimeout();
        int n = buf.read(s, minMs, maxMs, keepStale);
        if (n > 0) {
          countSamples(n);
          out.add(new SeriesData(s.labels(), Arrays.copyOf(buf.timestampsMs, n), Arrays.copyOf(buf.values, n), n));
        }
      }
    }
    return out;
  }

  /** Selects {@code vs}'s series from {@code q}, timing it as preparation. */
  List<Series> select(Querier q, Expr.VectorSelector vs, long minMs, long maxMs, long stepMs, String function,
      long rangeMs) {
    long prepStart = System.nanoTime();
    List<Series> selected = q.select(false, new SelectHints(minMs, maxMs, stepMs, function, rangeMs), vs.matchers());
    preparationNanos += System.nanoTime() - prepStart;
    return selected;
  }

  /** Raw samples of one series at a time, in arrays reused from series to series (they only grow). */
  static final class SampleBuffer {
    long[] timestampsMs = new long[16];
    double[] values = new double[16];

    /**
     * Reads {@code s}'s samples in [minMs, maxMs] (staleness markers dropped unless {@code keepStale}) into the
     * arrays from index 0.
     *
     * @return how many were read
     */
    int read(Series s, long minMs, long maxMs, boolean keepStale) {
      SampleIterator it = s.iterator();
      int n = 0;
      if (it.seek(minMs)) {
        do {
          long t = it.timestampMs();
          if (t > maxMs) {
            break;
          }
          double v = it.value();
          if (!keepStale && StaleMarker.isStale(v)) {
            continue;
          }
          if (n == timestampsMs.length) {
            timestampsMs = Arrays.copyOf(timestampsMs, n * 2);
            values = Arrays.copyOf(values, n * 2);
          }
          timestampsMs[n] = t;
          values[n] = v;
          n++;
        } while (it.next());
      }
      return n;
    }
  }

  /**
   * Instant vector selector: per step the latest sample in (t - lookback, t], dropped when it is a staleness marker.
   * With {@code sampleTimestamps} the value is the sample's timestamp in seconds (for {@code timestamp()}).
   */
  List<StepSeries> selectVector(Expr.VectorSelector vs, StepGrid grid, boolean sampleTimestamps) {
    Long at = resolveAt(vs.at());
    long first = (at != null ? at : grid.startMs()) - vs.offsetMs();
    long last = (at != null ? at : grid.endMs()) - vs.offsetMs();
    List<SeriesData> data = load(vs, first - lookbackMs + 1, last, true, grid.stepMs(), "", 0);
    int steps = grid.steps();
    List<StepSeries> out = new ArrayList<>(data.size());
    for (SeriesData d : data) {
      checkTimeout();
      StepSeries s = new StepSeries(d.labels(), steps);
      if (instantSteps(d.timestampsMs(), d.values(), d.size(), grid, at, vs.offsetMs(), sampleTimestamps, s)) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Sets in {@code s} (all steps absent on entry) the instant-selector value at every step of {@code grid} from one
   * series' first {@code n} raw samples, counting queryable samples.
   *
   * @return whether any step has a value
   */
  boolean instantSteps(long[] ts, double[] vals, int n, StepGrid grid, Long at, long offsetMs,
      boolean sampleTimestamps, StepSeries s) {
    int idx = -1;
    boolean any = false;
    for (int i = 0; i < s.values.length; i++) {
      long t = (at != null ? at : grid.time(i)) - offsetMs;
      while (idx + 1 < n && ts[idx + 1] <= t) {
        idx++;
      }
      if (idx >= 0 && ts[idx] > t - lookbackMs && !StaleMarker.isStale(vals[idx])) {
        s.set(i, sampleTimestamps ? ts[idx] / 1000.0 : vals[idx]);
        countQueryable(i, 1);
        any = true;
      }
    }
    return any;
  }

  /** Range-vector argument of a function, from a range selector or a subquery (possibly in parentheses). */
  RangeArg rangeArg(Expr e, StepGrid grid, String function) {
    e = Expr.unwrap(e);
    if (e instanceof Expr.MatrixSelector ms) {
      Expr.VectorSelector vs = ms.selector();
      Long at = resolveAt(vs.at());
      long first = (at != null ? at : grid.startMs()) - vs.offsetMs();
      long last = (at != null ? at : grid.endMs()) - vs.offsetMs();
      List<SeriesData> data = load(vs, first - ms.rangeMs() + 1, last, false, grid.stepMs(), function, ms.rangeMs());
      return new RangeArg(data, ms.rangeMs(), vs.offsetMs(), at, -1);
    }
    if (e instanceof Expr.Subquery sq) {
      Long at = resolveAt(sq.at());
      long first = (at != null ? at : grid.startMs());
      long last = (at != null ? at : grid.endMs());
      long step = sq.stepMs() > 0 ? sq.stepMs() : defaultSubqueryStepMs;
      long lowerExclusive = first - sq.offsetMs() - sq.rangeMs();
      long start = step * (lowerExclusive / step);
      if (start <= lowerExclusive) {
        start += step;
      }
      long end = last - sq.offsetMs();
      List<SeriesData> data = new ArrayList<>();
      // The subquery counts queryable samples in a scope of its own, as Prometheus's evalSubquery does: a function
      // over it counts the samples of each step's window instead, and a top-level subquery reports the scope's total.
      long outerSamples = queryableSamples;
      long[] outerPerStep = queryableSamplesPerStep;
      queryableSamples = 0;
      queryableSamplesPerStep = null;
      long innerSamples;
      try {
        if (start <= end) {
          evalSubquery(sq, grid(start, end, step), data);
        }
      } finally {
        innerSamples = queryableSamples;
        queryableSamples = outerSamples;
        queryableSamplesPerStep = outerPerStep;
      }
      return new RangeArg(data, sq.rangeMs(), sq.offsetMs(), at, innerSamples);
    }
    throw new PromQLException(ErrorType.INTERNAL, "expected range vector argument");
  }

  /** Evaluates a subquery's inner expression over {@code inner} and adds its series as raw samples to {@code data}. */
  private void evalSubquery(Expr.Subquery sq, StepGrid inner, List<SeriesData> data) {
    for (StepSeries s : evalVector(sq.expr(), inner)) {
      int n = 0;
      for (boolean p : s.present) {
        if (p) {
          n++;
        }
      }
      long[] ts = new long[n];
      double[] vals = new double[n];
      int j = 0;
      for (int i = 0; i < s.present.length; i++) {
        if (s.present[i]) {
          ts[j] = inner.time(i);
          vals[j++] = s.values[i];
        }
      }
      countSamples(n);
      data.add(new SeriesData(s.labels, ts, vals, n));
    }
  }

  /** Evaluates a range-vector expression at a single instant, for instant queries returning a matrix. */
  Matrix evalMatrixAt(Expr e, long timeMs) {
    StepGrid grid = new StepGrid(timeMs, timeMs, 0);
    RangeArg arg = rangeArg(e, grid, "");
    long end = arg.windowEnd(grid, 0);
    long startExclusive = end - arg.rangeMs();
    List<RangeSeries> out = new ArrayList<>();
    for (SeriesData d : arg.series()) {
      int lo = 0;
      while (lo < d.size() && d.timestampsMs()[lo] <= startExclusive) {
        lo++;
      }
      int hi = d.lastAtOrBefore(end) + 1;
      if (arg.subquerySamples() < 0 && hi > lo) {
        countQueryable(0, hi - lo);
      }
      if (hi > lo) {
        out.add(new RangeSeries(d.labels(), Arrays.copyOfRange(d.timestampsMs(), lo, hi),
            Arrays.copyOfRange(d.values(), lo, hi)));
      }
    }
    if (arg.subquerySamples() >= 0) {
      countQueryable(0, arg.subquerySamples());
    }
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    return new Matrix(out);
  }

  /**
   * Merges series that ended up with the same labels (e.g. after dropping {@code __name__}); fails when two of them
   * have a value at the same step, as Prometheus does.
   */
  static List<StepSeries> dedupe(List<StepSeries> in) {
    if (in.size() < 2) {
      return in;
    }
    Map<Labels, StepSeries> seen = new HashMap<>(in.size() * 2);
    boolean dup = false;
    for (StepSeries s : in) {
      if (seen.putIfAbsent(s.labels, s) != null) {
        dup = true;
        break;
      }
    }
    if (!dup) {
      return in;
    }
    Map<Labels, StepSeries> merged = new LinkedHashMap<>();
    for (StepSeries s : in) {
      StepSeries prev = merged.putIfAbsent(s.labels, s);
      if (prev != null) {
        for (int i = 0; i < s.present.length; i++) {
          if (s.present[i]) {
            if (prev.present[i]) {
              throw execError("vector cannot contain metrics with the same labelset");
            }
            prev.set(i, s.values[i]);
          }
        }
      }
    }
    return new ArrayList<>(merged.values());
  }
}
