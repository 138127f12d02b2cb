package io.narthex.promql;

import io.narthex.promql.parser.Expr;
import io.narthex.promql.parser.Parser;
import io.narthex.promql.parser.ValueType;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.StorageException;
import java.util.ArrayList;
import java.util.List;

/**
 * The PromQL engine: parses a query and evaluates it against a {@link Queryable} with Prometheus 3.x semantics
 * (per promql/engine.go). Times are milliseconds since the epoch. Every result carries the query's
 * {@link QueryStats}. Failures are {@link PromQLException}: BAD_DATA for
 * parse/type errors, EXECUTION for evaluation errors and too many samples, TIMEOUT past the configured timeout.
 */
public final class Engine {
  private final EngineOptions options;

  public Engine(EngineOptions options) {
    this.options = options;
  }

  public EngineOptions options() {
    return options;
  }

  /** Evaluates {@code query} at {@code timeMs}: a Vector, Matrix (range selectors/subqueries), Scalar or StringValue. */
  public QueryResult instantQuery(Queryable storage, String query, long timeMs) {
    return instantQuery(storage, query, timeMs, System.nanoTime() + options.timeout().toNanos());
  }

  /**
   * As {@link #instantQuery(Queryable, String, long)}, failing with TIMEOUT once {@link System#nanoTime()} passes
   * {@code deadlineNanos} (parsing included) instead of after the configured timeout.
   */
  public QueryResult instantQuery(Queryable storage, String query, long timeMs, long deadlineNanos) {
    long execStart = System.nanoTime();
    Expr expr = Parser.parse(query, deadlineNanos);
    long evalStart = System.nanoTime();
    Evaluator ev = new Evaluator(storage, options, query, timeMs, timeMs, 0, deadlineNanos);
    Value value;
    try {
      value = switch (expr.type()) {
        case MATRIX -> ev.evalMatrixAt(expr, timeMs);
        case STRING ->
            new StringValue(timeMs, ((Result.StepString) ev.eval(expr, new StepGrid(timeMs, timeMs, 0))).value());
        case SCALAR -> new Scalar(timeMs, ev.evalScalar(expr, new StepGrid(timeMs, timeMs, 0))[0]);
        case VECTOR -> {
          List<StepSeries> series = ev.evalVector(expr, new StepGrid(timeMs, timeMs, 0));
          List<Sample> samples = new ArrayList<>(series.size());
          for (StepSeries s : series) {
            if (s.present[0]) {
              samples.add(new Sample(s.labels, timeMs, s.values[0]));
            }
          }
          yield new Vector(samples);
        }
        case NONE -> throw new PromQLException(ErrorType.BAD_DATA, "invalid expression type");
      };
    } catch (StorageException e) {
      throw storageFailure(e);
    }
    QueryStats stats = stats(ev, execStart, evalStart, 0, new long[] {timeMs});
    return new QueryResult(value, ev.annotations.warnings(), ev.annotations.infos(), stats);
  }

  /** A storage fault as the API answers it: 503 timeout when the query's deadline passed, else 500. */
  private static PromQLException storageFailure(StorageException e) {
    return new PromQLException(e instanceof QueryDeadline.QueryTimeoutException ? ErrorType.TIMEOUT
        : ErrorType.INTERNAL, e.getMessage());
  }

  /** Evaluates {@code query} at every step from start to end inclusive; always a Matrix sorted by labels. */
  public QueryResult rangeQuery(Queryable storage, String query, long startMs, long endMs, long stepMs) {
    return rangeQuery(storage, query, startMs, endMs, stepMs, System.nanoTime() + options.timeout().toNanos());
  }

  /**
   * As {@link #rangeQuery(Queryable, String, long, long, long)}, failing with TIMEOUT once {@link System#nanoTime()}
   * passes {@code deadlineNanos} (parsing included).
   */
  public QueryResult rangeQuery(Queryable storage, String query, long startMs, long endMs, long stepMs,
      long deadlineNanos) {
    long execStart = System.nanoTime();
    Expr expr = Parser.parse(query, deadlineNanos);
    if (expr.type() != ValueType.SCALAR && expr.type() != ValueType.VECTOR) {
      throw new PromQLException(ErrorType.BAD_DATA, "invalid expression type \"" + expr.type()
          + "\" for range query, must be Scalar or instant Vector");
    }
    if (stepMs <= 0) {
      throw new PromQLException(ErrorType.BAD_DATA, "zero or negative query resolution step widths are not accepted");
    }
    long evalStart = System.nanoTime();
    Evaluator ev = new Evaluator(storage, options, query, startMs, endMs, stepMs, deadlineNanos);
    StepGrid grid = ev.grid(startMs, endMs, stepMs);
    int steps = grid.steps();
    List<RangeSeries> out = new ArrayList<>();
    try {
      List<StepSeries> series;
      if (expr.type() == ValueType.SCALAR) {
        double[] v = ev.evalScalar(expr, grid);
        StepSeries s = new StepSeries(io.narthex.tsdb.labels.Labels.EMPTY, steps);
        for (int i = 0; i < steps; i++) {
          s.set(i, v[i]);
        }
        series = List.of(s);
      } else {
        series = ev.evalVector(expr, grid);
      }
      for (StepSeries s : series) {
        int n = 0;
        for (boolean p : s.present) {
          if (p) {
            n++;
          }
        }
        if (n == 0) {
          continue;
        }
        long[] ts = new long[n];
        double[] vals = new double[n];
        int j = 0;
        for (int i = 0; i < steps; i++) {
          if (s.present[i]) {
            ts[j] = grid.time(i);
            vals[j++] = s.values[i];
          }
        }
        out.add(new RangeSeries(s.labels, ts, vals));
      }
    } catch (StorageException e) {
      throw storageFailure(e);
    }
    long sortStart = System.nanoTime();
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    long sortNanos = System.nanoTime() - sortStart;
    long[] stepTimes = new long[steps];
    for (int i = 0; i < steps; i++) {
      stepTimes[i] = grid.time(i);
    }
    QueryStats stats = stats(ev, execStart, evalStart, sortNanos, stepTimes);
    return new QueryResult(new Matrix(out), ev.annotations.warnings(), ev.annotations.infos(), stats);
  }

  private static QueryStats stats(Evaluator ev, long execStart, long evalStart, long sortNanos, long[] stepTimes) {
    long end = System.nanoTime();
    long evalNanos = end - evalStart;
    long innerNanos = Math.max(0, evalNanos - ev.preparationNanos - sortNanos);
    return new QueryStats(seconds(evalNanos), seconds(sortNanos), seconds(ev.preparationNanos), seconds(innerNanos),
        0, seconds(end - execStart), ev.queryableSamples, ev.peakSamples, stepTimes, ev.queryableSamplesPerStep);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
