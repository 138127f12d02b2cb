package io.narthex.promql;

import io.narthex.promql.RangeFunctions.RangeFunction;
import io.narthex.promql.parser.Expr;
import io.narthex.promql.parser.Functions;
import io.narthex.promql.parser.ValueType;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * The PromQL function registry, after the {@code FunctionCalls} map of Prometheus's promql/functions.go: one
 * {@link Entry} per function, holding the signature the parser checks ({@link Functions.Def}) and the
 * {@link FunctionCall} the evaluator runs. The signatures stay in the parser's {@link Functions}, as Prometheus keeps
 * them in promql/parser/functions.go, so that the parser does not depend on the evaluator; loading this class fails
 * unless every signature has exactly one call.
 */
final class FunctionCalls {
  /**
   * Evaluates one call over a step grid. The call evaluates its own arguments, because some read the unevaluated
   * expression ({@code timestamp}, {@code absent}) or a range argument's raw samples.
   */
  @FunctionalInterface
  interface FunctionCall {
    Result eval(Evaluator ev, Expr.Call call, StepGrid grid);
  }

  /** A function's signature, as the parser checks it, and its evaluation. */
  record Entry(Functions.Def definition, FunctionCall call) {}

  private static final Map<String, Entry> REGISTRY = new HashMap<>();

  static {
    register("time", FunctionCalls::time);
    register("step", constant(ev -> ev.queryStepMs / 1000.0));
    register("range", constant(ev -> (ev.queryEndMs - ev.queryStartMs) / 1000.0));
    register("start", constant(ev -> ev.queryStartMs / 1000.0));
    register("end", constant(ev -> ev.queryEndMs / 1000.0));
    register("pi", constant(ev -> Math.PI));
    register("min_of", scalarPair(GoMath::min));
    register("max_of", scalarPair(GoMath::max));
    register("vector", FunctionCalls::vector);
    register("scalar", FunctionCalls::scalar);
    register("timestamp", FunctionCalls::timestamp);
    register("absent", FunctionCalls::absent);
    register("absent_over_time", FunctionCalls::absentOverTime);
    register("sort", (ev, call, grid) -> sortByValue(ev, call, grid, false));
    register("sort_desc", (ev, call, grid) -> sortByValue(ev, call, grid, true));
    register("sort_by_label", (ev, call, grid) -> LabelFunctions.sortByLabel(ev, call, grid, false));
    register("sort_by_label_desc", (ev, call, grid) -> LabelFunctions.sortByLabel(ev, call, grid, true));
    register("label_replace", LabelFunctions::labelReplace);
    register("label_join", LabelFunctions::labelJoin);
    register("round", FunctionCalls::round);
    register("clamp", (ev, call, grid) -> clamp(ev, call, grid, 1, 2));
    register("clamp_min", (ev, call, grid) -> clamp(ev, call, grid, 1, -1));
    register("clamp_max", (ev, call, grid) -> clamp(ev, call, grid, -1, 1));
    register("histogram_quantile", FunctionCalls::histogramQuantile);
    register("histogram_fraction", FunctionCalls::histogramFraction);
    for (String name : List.of("histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev",
        "histogram_stdvar")) {
      register(name, FunctionCalls::nativeHistogramsOnly);
    }

    register("day_of_month", date(ZonedDateTime::getDayOfMonth));
    register("day_of_week", date(t -> t.getDayOfWeek().getValue() % 7));
    register("day_of_year", date(ZonedDateTime::getDayOfYear));
    register("days_in_month", date(t -> YearMonth.of(t.getYear(), t.getMonthValue()).lengthOfMonth()));
    register("hour", date(ZonedDateTime::getHour));
    register("minute", date(ZonedDateTime::getMinute));
    register("month", date(ZonedDateTime::getMonthValue));
    register("year", date(ZonedDateTime::getYear));

    register("abs", math(Math::abs));
    register("ceil", math(Math::ceil));
    register("floor", math(Math::floor));
    register("exp", math(Math::exp));
    register("ln", math(Math::log));
    register("log2", math(GoMath::log2));
    register("log10", math(GoMath::log10));
    register("sqrt", math(Math::sqrt));
    register("sgn", math(x -> Double.isNaN(x) ? x : Math.signum(x)));
    register("acos", math(Math::acos));
    register("asin", math(Math::asin));
    register("atan", math(Math::atan));
    register("cos", math(Math::cos));
    register("sin", math(Math::sin));
    register("tan", math(Math::tan));
    register("cosh", math(GoMath::cosh));
    register("sinh", math(GoMath::sinh));
    register("tanh", math(Math::tanh));
    register("acosh", math(GoMath::acosh));
    register("asinh", math(GoMath::asinh));
    register("atanh", math(GoMath::atanh));
    register("deg", math(x -> x * 180 / Math.PI));
    register("rad", math(x -> x * Math.PI / 180));

    // Prometheus (engine.go) checks the metric name of rate() and increase() inputs only; irate() is not checked.
    register("rate", rangeOfCounter(RangeFunctions::rate));
    register("increase", rangeOfCounter(RangeFunctions::increase));
    register("delta", range(RangeFunctions::delta));
    register("irate", range(RangeFunctions::irate));
    register("idelta", range(RangeFunctions::idelta));
    register("deriv", range(RangeFunctions::deriv));
    register("predict_linear", range(RangeFunctions::predictLinear));
    register("changes", range(RangeFunctions::changes));
    register("resets", range(RangeFunctions::resets));
    register("avg_over_time", range(RangeFunctions::avgOverTime));
    register("sum_over_time", range(RangeFunctions::sumOverTime));
    register("count_over_time", range(RangeFunctions::countOverTime));
    register("present_over_time", range(RangeFunctions::presentOverTime));
    register("last_over_time", rangeKeepingName(RangeFunctions::lastOverTime));
    register("first_over_time", rangeKeepingName(RangeFunctions::firstOverTime));
    register("ts_of_last_over_time", range(RangeFunctions::tsOfLastOverTime));
    register("ts_of_first_over_time", range(RangeFunctions::tsOfFirstOverTime));
    register("min_over_time", range(RangeFunctions::minOverTime));
    register("max_over_time", range(RangeFunctions::maxOverTime));
    register("ts_of_max_over_time", range(RangeFunctions::tsOfMaxOverTime));
    register("ts_of_min_over_time", range(RangeFunctions::tsOfMinOverTime));
    register("stddev_over_time", range(RangeFunctions::stddevOverTime));
    register("stdvar_over_time", range(RangeFunctions::stdvarOverTime));
    register("quantile_over_time", FunctionCalls::quantileOverTime);
    register("mad_over_time", range(RangeFunctions::madOverTime));
    register("double_exponential_smoothing", range(RangeFunctions::doubleExponentialSmoothing));

    for (Functions.Def def : Functions.all()) {
      if (!REGISTRY.containsKey(def.name())) {
        throw new IllegalStateException("function \"" + def.name() + "\" has a signature but no call");
      }
    }
  }

  private FunctionCalls() {}

  private static void register(String name, FunctionCall call) {
    Functions.Def def = Functions.get(name);
    if (def == null) {
      throw new IllegalStateException("function \"" + name + "\" has a call but no signature");
    }
    if (REGISTRY.putIfAbsent(name, new Entry(def, call)) != null) {
      throw new IllegalStateException("function \"" + name + "\" registered twice");
    }
  }

  /** The entry of {@code name}, or null when there is no such function. */
  static Entry get(String name) {
    return REGISTRY.get(name);
  }

  /** Names of every registered function. */
  static Set<String> names() {
    return Set.copyOf(REGISTRY.keySet());
  }

  /**
   * Evaluates {@code call} over {@code grid} through its registry entry.
   *
   * @throws PromQLException BAD_DATA when the call names a function without an entry, which the parser never builds
   */
  static Result eval(Evaluator ev, Expr.Call call, StepGrid grid) {
    String name = call.function().name();
    Entry entry = REGISTRY.get(name);
    if (entry == null) {
      throw new PromQLException(ErrorType.BAD_DATA, "function \"" + name + "\" is not supported");
    }
    return entry.call().eval(ev, call, grid);
  }

  // ---------------------------------------------------------------- scalar functions

  private static Result time(Evaluator ev, Expr.Call call, StepGrid grid) {
    int steps = grid.steps();
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = grid.time(i) / 1000.0;
    }
    return new Result.StepScalar(out);
  }

  /** A scalar the same at every step: {@code step()}, {@code range()}, {@code start()}, {@code end()}, {@code pi()}. */
  private static FunctionCall constant(ToDoubleFunction<Evaluator> value) {
    return (ev, call, grid) -> {
      double[] out = new double[grid.steps()];
      Arrays.fill(out, value.applyAsDouble(ev));
      return new Result.StepScalar(out);
    };
  }

  /** {@code min_of(a, b)} and {@code max_of(a, b)}: {@code op} of two scalars at each step. */
  private static FunctionCall scalarPair(DoubleBinaryOperator op) {
    return (ev, call, grid) -> {
      double[] a = ev.evalScalar(call.args().get(0), grid);
      double[] b = ev.evalScalar(call.args().get(1), grid);
      int steps = grid.steps();
      double[] out = new double[steps];
      for (int i = 0; i < steps; i++) {
        out[i] = op.applyAsDouble(a[i], b[i]);
      }
      return new Result.StepScalar(out);
    };
  }

  private static Result vector(Evaluator ev, Expr.Call call, StepGrid grid) {
    double[] v = ev.evalScalar(call.args().get(0), grid);
    int steps = grid.steps();
    StepSeries s = new StepSeries(Labels.EMPTY, steps);
    for (int i = 0; i < steps; i++) {
      s.set(i, v[i]);
    }
    return vec(List.of(s));
  }

  /** The value of the only series present at a step, NaN when none or several are. */
  private static Result scalar(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<StepSeries> in = ev.evalVector(call.args().get(0), grid);
    int steps = grid.steps();
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      int count = 0;
      double value = Double.NaN;
      for (StepSeries s : in) {
        if (s.present[i]) {
          count++;
          value = s.values[i];
        }
      }
      out[i] = count == 1 ? value : Double.NaN;
    }
    return new Result.StepScalar(out);
  }

  // ---------------------------------------------------------------- instant-vector functions

  private static Result timestamp(Evaluator ev, Expr.Call call, StepGrid grid) {
    Expr arg = Expr.unwrap(call.args().get(0));
    List<StepSeries> in;
    if (arg instanceof Expr.VectorSelector vs) {
      in = ev.selectVector(vs, grid, true);
    } else {
      in = ev.evalVector(arg, grid);
      int steps = grid.steps();
      for (StepSeries s : in) {
        for (int i = 0; i < steps; i++) {
          s.values[i] = grid.time(i) / 1000.0;
        }
      }
    }
    return vec(dropNames(in));
  }

  private static Result absent(Evaluator ev, Expr.Call call, StepGrid grid) {
    Expr arg = call.args().get(0);
    List<StepSeries> in = ev.evalVector(arg, grid);
    return vec(absentAt(absentLabels(arg), in, grid.steps()));
  }

  private static Result absentOverTime(Evaluator ev, Expr.Call call, StepGrid grid) {
    Expr arg = call.args().get(0);
    RangeArg range = ev.rangeArg(arg, grid, call.function().name());
    List<StepSeries> present = applyRange(ev, range, grid, RangeFunctions::presentOverTime, null, false, -1);
    return vec(absentAt(absentLabels(arg), present, grid.steps()));
  }

  static void warnSortInRange(Evaluator ev, Expr.Call call) {
    if (ev.isRangeQuery()) {
      ev.annotations.warn("sort is ineffective for range queries since results are always ordered by labels",
          call.pos());
    }
  }

  /** {@code sort} and {@code sort_desc}: order by value in an instant query, NaN last; no effect over a range. */
  private static Result sortByValue(Evaluator ev, Expr.Call call, StepGrid grid, boolean descending) {
    List<StepSeries> in = ev.evalVector(call.args().get(0), grid);
    warnSortInRange(ev, call);
    if (grid.steps() != 1) {
      return vec(in);
    }
    List<StepSeries> sorted = new ArrayList<>(in);
    sorted.sort((a, b) -> {
      double x = a.values[0];
      double y = b.values[0];
      if (Double.isNaN(x) || Double.isNaN(y)) {
        return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
      }
      return descending ? Double.compare(y, x) : Double.compare(x, y);
    });
    return vec(sorted);
  }

  private static Result round(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    List<StepSeries> in = ev.evalVector(args.get(0), grid);
    double[] toNearest = args.size() > 1 ? ev.evalScalar(args.get(1), grid) : null;
    int steps = grid.steps();
    for (StepSeries s : in) {
      for (int i = 0; i < steps; i++) {
        double inverse = 1.0 / (toNearest == null ? 1.0 : toNearest[i]);
        s.values[i] = Math.floor(s.values[i] * inverse + 0.5) / inverse;
      }
    }
    return vec(dropNames(in));
  }

  /**
   * {@code clamp}, {@code clamp_min} and {@code clamp_max}: the bounds are the scalar arguments at {@code minArg} and
   * {@code maxArg}, -1 where the function has no such bound; a step whose max is below its min has no output.
   */
  private static Result clamp(Evaluator ev, Expr.Call call, StepGrid grid, int minArg, int maxArg) {
    List<Expr> args = call.args();
    List<StepSeries> in = ev.evalVector(args.get(0), grid);
    double[] min = minArg < 0 ? null : ev.evalScalar(args.get(minArg), grid);
    double[] max = maxArg < 0 ? null : ev.evalScalar(args.get(maxArg), grid);
    int steps = grid.steps();
    for (StepSeries s : in) {
      for (int i = 0; i < steps; i++) {
        double v = s.values[i];
        if (min != null && max != null && max[i] < min[i]) {
          s.present[i] = false;
          continue;
        }
        if (max != null) {
          v = GoMath.min(max[i], v);
        }
        if (min != null) {
          v = GoMath.max(min[i], v);
        }
        s.values[i] = v;
      }
    }
    return vec(dropNames(removeEmpty(in)));
  }

  private static Result histogramQuantile(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    double[] q = ev.evalScalar(args.get(0), grid);
    return vec(Histograms.quantile(ev, q, args.get(0).pos(), ev.evalVector(args.get(1), grid), args.get(1).pos(),
        grid.steps()));
  }

  private static Result histogramFraction(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    double[] lower = ev.evalScalar(args.get(0), grid);
    double[] upper = ev.evalScalar(args.get(1), grid);
    return vec(Histograms.fraction(ev, lower, upper, ev.evalVector(args.get(2), grid), args.get(2).pos(),
        grid.steps()));
  }

  /** {@code histogram_count} and its kin read native histograms, not supported here: float series yield nothing. */
  private static Result nativeHistogramsOnly(Evaluator ev, Expr.Call call, StepGrid grid) {
    for (Expr a : call.args()) {
      if (a.type() == ValueType.VECTOR) {
        ev.evalVector(a, grid);
      }
    }
    return vec(List.of());
  }

  /**
   * A date function such as {@code hour(v=vector(time()))}: {@code field} of each sample's value read as Unix seconds
   * in UTC; NaN and infinite values give NaN.
   */
  private static FunctionCall date(ToDoubleFunction<ZonedDateTime> field) {
    return (ev, call, grid) -> {
      int steps = grid.steps();
      List<StepSeries> in;
      if (call.args().isEmpty()) {
        StepSeries s = new StepSeries(Labels.EMPTY, steps);
        for (int i = 0; i < steps; i++) {
          s.set(i, grid.time(i) / 1000.0);
        }
        in = List.of(s);
      } else {
        in = ev.evalVector(call.args().get(0), grid);
      }
      for (StepSeries s : in) {
        for (int i = 0; i < steps; i++) {
          if (s.present[i]) {
            double seconds = s.values[i];
            s.values[i] = Double.isNaN(seconds) || Double.isInfinite(seconds) ? Double.NaN
                : field.applyAsDouble(Instant.ofEpochSecond((long) seconds).atZone(ZoneOffset.UTC));
          }
        }
      }
      return vec(dropNames(in));
    };
  }

  /** A function of each sample's value, such as {@code abs} or {@code ln}. */
  private static FunctionCall math(DoubleUnaryOperator function) {
    return (ev, call, grid) -> {
      List<StepSeries> in = ev.evalVector(call.args().get(0), grid);
      int steps = grid.steps();
      for (StepSeries s : in) {
        for (int i = 0; i < steps; i++) {
          s.values[i] = function.applyAsDouble(s.values[i]);
        }
      }
      return vec(dropNames(in));
    };
  }

  // ---------------------------------------------------------------- range-vector functions

  /**
   * The call of a function that maps each step's window of each series to a value: {@link StreamingAggregation}
   * reads {@code function}, {@code keepName} and {@code checkCounterName} to evaluate it one series at a time.
   */
  record RangeCall(RangeFunction function, boolean keepName, boolean checkCounterName) implements FunctionCall {
    @Override
    public Result eval(Evaluator ev, Expr.Call call, StepGrid grid) {
      return vec(evalRange(ev, call, grid, function, scalarArgs(ev, call, grid), keepName, checkCounterName));
    }
  }

  /** A range function whose output drops the metric name. */
  private static FunctionCall range(RangeFunction function) {
    return new RangeCall(function, false, false);
  }

  /** A range function whose output keeps the metric name ({@code last_over_time}, {@code first_over_time}). */
  private static FunctionCall rangeKeepingName(RangeFunction function) {
    return new RangeCall(function, true, false);
  }

  /** A range function over counters: it drops the name and infos when the name is not a counter's. */
  private static FunctionCall rangeOfCounter(RangeFunction function) {
    return new RangeCall(function, false, true);
  }

  /** {@code quantile_over_time(φ, v)}: warns at the steps where φ is outside [0, 1] and a series has a value. */
  private static Result quantileOverTime(Evaluator ev, Expr.Call call, StepGrid grid) {
    double[][] scalars = scalarArgs(ev, call, grid);
    List<StepSeries> out = evalRange(ev, call, grid, RangeFunctions::quantileOverTime, scalars, false, false);
    double[] phi = scalars[0];
    for (int i = 0; i < phi.length; i++) {
      double q = phi[i];
      if (Double.isNaN(q) || q < 0 || q > 1) {
        for (StepSeries s : out) {
          if (s.present[i]) {
            ev.annotations.warn("quantile value should be between 0 and 1, got " + Annotations.formatG(q),
                call.args().get(0).pos());
            break;
          }
        }
      }
    }
    return vec(out);
  }

  /**
   * The call's scalar arguments evaluated in argument order, by position; null at the positions of other arguments.
   * A range function's scalars are evaluated before its range argument, so this runs first.
   */
  static double[][] scalarArgs(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    double[][] out = new double[args.size()][];
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).type() == ValueType.SCALAR) {
        out[i] = ev.evalScalar(args.get(i), grid);
      }
    }
    return out;
  }

  /** Evaluates a range function's call once its scalar arguments are: the range argument, then every window. */
  private static List<StepSeries> evalRange(Evaluator ev, Expr.Call call, StepGrid grid, RangeFunction function,
      double[][] scalarArgs, boolean keepName, boolean checkCounterName) {
    Expr rangeExpr = null;
    for (Expr a : call.args()) {
      if (a.type() == ValueType.MATRIX) {
        rangeExpr = a;
        break;
      }
    }
    RangeArg arg = ev.rangeArg(rangeExpr, grid, call.function().name());
    int counterInfoPos = -1;
    if (checkCounterName) {
      // Prometheus reports the argument's position with parentheses removed; a subquery argument is replaced by a
      // synthetic matrix selector without a position there, so its position is the start of the query.
      Expr unwrapped = Expr.unwrap(rangeExpr);
      counterInfoPos = unwrapped instanceof Expr.MatrixSelector ? unwrapped.pos() : 0;
    }
    return Evaluator.dedupe(applyRange(ev, arg, grid, function, scalarArgs, !keepName, counterInfoPos));
  }

  /**
   * Applies {@code fn} to every step's window of every series of {@code arg}, counting the window's samples as
   * queryable samples of that step; {@code scalarArgs} are the call's, by argument position (see {@link #scalarArgs}),
   * or null for a function without any. With {@code counterInfoPos >= 0} (rate, increase) a series that yields a value
   * and whose metric name lacks a counter suffix gets Prometheus's "might not be a counter" info at that position.
   */
  static List<StepSeries> applyRange(Evaluator ev, RangeArg arg, StepGrid grid, RangeFunction fn, double[][] scalarArgs,
      boolean dropName, int counterInfoPos) {
    int steps = grid.steps();
    String lastCheckedName = null;
    List<StepSeries> out = new ArrayList<>(arg.series().size());
    RangeWindow window = new RangeWindow(arg.rangeMs(), scalarArgs);
    for (SeriesData d : arg.series()) {
      ev.checkTimeout();
      StepSeries s = new StepSeries(dropName ? Evaluator.dropName(d.labels()) : d.labels(), steps);
      if (rangeSteps(ev, arg, grid, fn, window, d.timestampsMs(), d.values(), d.size(), s)) {
        out.add(s);
        lastCheckedName = counterInfo(ev, d.labels(), lastCheckedName, counterInfoPos);
      }
    }
    return out;
  }

  /**
   * Sets in {@code s} (all steps absent on entry) {@code fn} of every step's window of one series' first {@code n}
   * raw samples, counting each window's samples as queryable samples of its step; {@code window} carries the call's
   * scalar arguments and is reused from series to series.
   *
   * @return whether any step has a value
   */
  static boolean rangeSteps(Evaluator ev, RangeArg arg, StepGrid grid, RangeFunction fn, RangeWindow window,
      long[] ts, double[] vals, int n, StepSeries s) {
    window.timestampsMs = ts;
    window.values = vals;
    boolean any = false;
    int lo = 0;
    int hi = 0;
    for (int i = 0; i < s.values.length; i++) {
      long end = arg.windowEnd(grid, i);
      long startExclusive = end - arg.rangeMs();
      if (hi > 0 && ts[hi - 1] > end) {
        lo = 0;
        hi = 0;
      }
      while (hi < n && ts[hi] <= end) {
        hi++;
      }
      while (lo < hi && ts[lo] <= startExclusive) {
        lo++;
      }
      if (hi == lo) {
        continue;
      }
      ev.countQueryable(i, hi - lo);
      window.lo = lo;
      window.hi = hi;
      window.endMs = end;
      window.stepTimeMs = grid.time(i);
      window.step = i;
      double r = fn.apply(window);
      if (!Evaluator.isAbsent(r)) {
        s.set(i, r);
        any = true;
      }
    }
    return any;
  }

  /**
   * With {@code counterInfoPos >= 0}, Prometheus's "might not be a counter" info for a series with a value whose
   * metric name lacks a counter suffix, once per run of series with the same name.
   *
   * @return the name checked last, to pass to the next call
   */
  static String counterInfo(Evaluator ev, Labels labels, String lastCheckedName, int counterInfoPos) {
    if (counterInfoPos < 0) {
      return lastCheckedName;
    }
    String metric = labels.get(Labels.METRIC_NAME);
    if (metric == null || metric.isEmpty() || metric.equals(lastCheckedName)) {
      return lastCheckedName;
    }
    if (!hasCounterSuffix(metric)) {
      ev.annotations.info("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "
          + Annotations.quote(metric), counterInfoPos);
    }
    return metric;
  }

  /** Whether a metric name ends in one of the suffixes Prometheus takes as a sign of a counter. */
  static boolean hasCounterSuffix(String metric) {
    return metric.endsWith("_total") || metric.endsWith("_sum") || metric.endsWith("_count")
        || metric.endsWith("_bucket");
  }

  private static Result vec(List<StepSeries> series) {
    return new Result.StepVector(series);
  }

  static List<StepSeries> dropNames(List<StepSeries> in) {
    for (StepSeries s : in) {
      s.labels = Evaluator.dropName(s.labels);
    }
    return Evaluator.dedupe(in);
  }

  static List<StepSeries> removeEmpty(List<StepSeries> in) {
    List<StepSeries> out = new ArrayList<>(in.size());
    for (StepSeries s : in) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** 1 at every step where no input series has a value, with the given labels; empty when none is absent. */
  private static List<StepSeries> absentAt(Labels labels, List<StepSeries> inputs, int steps) {
    StepSeries out = new StepSeries(labels, steps);
    for (int i = 0; i < steps; i++) {
      boolean any = false;
      for (StepSeries s : inputs) {
        if (s.present[i]) {
          any = true;
          break;
        }
      }
      if (!any) {
        out.set(i, 1);
      }
    }
    return out.isEmpty() ? List.of() : List.of(out);
  }

  private static Labels absentLabels(Expr arg) {
    List<Matcher> matchers;
    if (arg instanceof Expr.VectorSelector vs) {
      matchers = vs.matchers();
    } else if (arg instanceof Expr.MatrixSelector ms) {
      matchers = ms.selector().matchers();
    } else {
      return Labels.EMPTY;
    }
    Labels.Builder b = new Labels.Builder();
    Set<String> has = new HashSet<>();
    for (Matcher m : matchers) {
      if (m.name().equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (m.type() == Matcher.Type.EQUAL && !has.contains(m.name())) {
        b.set(m.name(), m.value());
        has.add(m.name());
      } else {
        b.delete(m.name());
      }
    }
    return b.build();
  }

}
