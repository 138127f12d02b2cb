package io.narthex.promql;

import io.narthex.promql.parser.Expr;
import io.narthex.promql.parser.Parser;
import io.narthex.promql.parser.ValueType;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.StorageException;
import java.util.ArrayList;
import java.util.List;

/**
 * The PromQL engine: parses a query and evaluates it against a {@link Queryable} with Prometheus 3.x semantics
 * (per promql/engine.go). Times are milliseconds since the epoch. Failures are {@link PromQLException}: BAD_DATA for
 * parse/type errors, EXECUTION for evaluation errors and too many samples, TIMEOUT past the configured timeout.
 */
public final class Engine {
  private final EngineOptions options;

  public Engine(EngineOptions options) {
    this.options = options;
  }

  /** Evaluates {@code query} at {@code timeMs}: a Vector, Matrix (range selectors/subqueries), Scalar or StringValue. */
  public QueryResult instantQuery(Queryable storage, String query, long timeMs) {
    Expr expr = Parser.parse(query);
    Evaluator ev = new Evaluator(storage, options, query, timeMs, timeMs, 0);
    Value value;
    try {
      value = switch (expr.type()) {
        case MATRIX -> ev.evalMatrixAt(expr, timeMs);
        case STRING -> new StringValue(timeMs, ((Result.Str) ev.eval(expr, new Ctx(timeMs, timeMs, 0))).value());
        case SCALAR -> new Scalar(timeMs, ev.evalScalar(expr, new Ctx(timeMs, timeMs, 0))[0]);
        case VECTOR -> {
          List<StepSeries> series = ev.evalVector(expr, new Ctx(timeMs, timeMs, 0));
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
      throw new PromQLException(ErrorType.INTERNAL, e.getMessage());
    }
    return new QueryResult(value, ev.annos.warnings(), ev.annos.infos());
  }

  /** Evaluates {@code query} at every step from start to end inclusive; always a Matrix sorted by labels. */
  public QueryResult rangeQuery(Queryable storage, String query, long startMs, long endMs, long stepMs) {
    Expr expr = Parser.parse(query);
    if (expr.type() != ValueType.SCALAR && expr.type() != ValueType.VECTOR) {
      throw new PromQLException(ErrorType.BAD_DATA, "invalid expression type \"" + expr.type()
          + "\" for range query, must be Scalar or instant Vector");
    }
    if (stepMs <= 0) {
      throw new PromQLException(ErrorType.BAD_DATA, "zero or negative query resolution step widths are not accepted");
    }
    Evaluator ev = new Evaluator(storage, options, query, startMs, endMs, stepMs);
    Ctx ctx = new Ctx(startMs, endMs, stepMs);
    int steps = ctx.steps();
    List<RangeSeries> out = new ArrayList<>();
    try {
      List<StepSeries> series;
      if (expr.type() == ValueType.SCALAR) {
        double[] v = ev.evalScalar(expr, ctx);
        StepSeries s = new StepSeries(io.narthex.tsdb.labels.Labels.EMPTY, steps);
        for (int i = 0; i < steps; i++) {
          s.set(i, v[i]);
        }
        series = List.of(s);
      } else {
        series = ev.evalVector(expr, ctx);
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
            ts[j] = ctx.time(i);
            vals[j++] = s.values[i];
          }
        }
        out.add(new RangeSeries(s.labels, ts, vals));
      }
    } catch (StorageException e) {
      throw new PromQLException(ErrorType.INTERNAL, e.getMessage());
    }
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    return new QueryResult(new Matrix(out), ev.annos.warnings(), ev.annos.infos());
  }
}
