package io.narthex.promql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.narthex.promql.parser.Expr;
import io.narthex.promql.parser.ValueType;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;

/** Evaluation of function calls, per Prometheus promql/functions.go semantics. */
final class FunctionCalls {
  private FunctionCalls() {}

  private static void warnSortInRange(Evaluator ev, Expr.Call call) {
    if (ev.isRangeQuery()) {
      ev.annos.warn("sort is ineffective for range queries since results are always ordered by labels", call.pos());
    }
  }

  static Result eval(Evaluator ev, Expr.Call call, Ctx ctx) {
    String name = call.function().name();
    List<Expr> args = call.args();
    int steps = ctx.steps();
    switch (name) {
      case "time" -> {
        double[] out = new double[steps];
        for (int i = 0; i < steps; i++) {
          out[i] = ctx.time(i) / 1000.0;
        }
        return new Result.Scal(out);
      }
      case "step", "range", "start", "end" -> {
        double v = switch (name) {
          case "step" -> ev.queryStepMs / 1000.0;
          case "range" -> (ev.queryEndMs - ev.queryStartMs) / 1000.0;
          case "start" -> ev.queryStartMs / 1000.0;
          default -> ev.queryEndMs / 1000.0;
        };
        double[] out = new double[steps];
        java.util.Arrays.fill(out, v);
        return new Result.Scal(out);
      }
      case "min_of", "max_of" -> {
        double[] a = ev.evalScalar(args.get(0), ctx);
        double[] b = ev.evalScalar(args.get(1), ctx);
        double[] out = new double[steps];
        for (int i = 0; i < steps; i++) {
          out[i] = name.equals("min_of") ? goMin(a[i], b[i]) : goMax(a[i], b[i]);
        }
        return new Result.Scal(out);
      }
      case "pi" -> {
        double[] out = new double[steps];
        java.util.Arrays.fill(out, Math.PI);
        return new Result.Scal(out);
      }
      case "vector" -> {
        double[] v = ev.evalScalar(args.get(0), ctx);
        StepSeries s = new StepSeries(Labels.EMPTY, steps);
        for (int i = 0; i < steps; i++) {
          s.set(i, v[i]);
        }
        return vec(List.of(s));
      }
      case "scalar" -> {
        List<StepSeries> in = ev.evalVector(args.get(0), ctx);
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
        return new Result.Scal(out);
      }
      case "timestamp" -> {
        Expr arg = Expr.unwrap(args.get(0));
        List<StepSeries> in;
        if (arg instanceof Expr.VectorSelector vs) {
          in = ev.selectVector(vs, ctx, true);
        } else {
          in = ev.evalVector(arg, ctx);
          for (StepSeries s : in) {
            for (int i = 0; i < steps; i++) {
              s.values[i] = ctx.time(i) / 1000.0;
            }
          }
        }
        return vec(dropNames(in));
      }
      case "absent" -> {
        List<StepSeries> in = ev.evalVector(args.get(0), ctx);
        return vec(absentAt(absentLabels(args.get(0)), in, steps));
      }
      case "absent_over_time" -> {
        RangeArg arg = ev.rangeArg(args.get(0), ctx, name);
        List<StepSeries> present = applyRange(ev, arg, ctx, RangeFunctions.get("present_over_time"), null, null,
            false, -1);
        return vec(absentAt(absentLabels(args.get(0)), present, steps));
      }
      case "sort", "sort_desc" -> {
        List<StepSeries> in = ev.evalVector(args.get(0), ctx);
        boolean desc = name.equals("sort_desc");
        warnSortInRange(ev, call);
        if (steps == 1) {
          List<StepSeries> sorted = new ArrayList<>(in);
          sorted.sort((a, b) -> {
            double x = a.values[0];
            double y = b.values[0];
            if (Double.isNaN(x) || Double.isNaN(y)) {
              return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
            }
            return desc ? Double.compare(y, x) : Double.compare(x, y);
          });
          return vec(sorted);
        }
        return vec(in);
      }
      case "sort_by_label", "sort_by_label_desc" -> {
        warnSortInRange(ev, call);
        List<StepSeries> in = new ArrayList<>(ev.evalVector(args.get(0), ctx));
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.size(); i++) {
          names.add(((Result.Str) ev.eval(args.get(i), ctx)).value());
        }
        Comparator<StepSeries> cmp = (a, b) -> {
          for (String l : names) {
            int c = naturalCompare(a.labels.get(l), b.labels.get(l));
            if (c != 0) {
              return c;
            }
          }
          return a.labels.compareTo(b.labels);
        };
        in.sort(name.endsWith("_desc") ? cmp.reversed() : cmp);
        return vec(in);
      }
      case "label_replace" -> {
        return vec(labelReplace(ev, args, ctx));
      }
      case "label_join" -> {
        return vec(labelJoin(ev, args, ctx));
      }
      case "round" -> {
        List<StepSeries> in = ev.evalVector(args.get(0), ctx);
        double[] toNearest = args.size() > 1 ? ev.evalScalar(args.get(1), ctx) : null;
        for (StepSeries s : in) {
          for (int i = 0; i < steps; i++) {
            double inverse = 1.0 / (toNearest == null ? 1.0 : toNearest[i]);
            s.values[i] = Math.floor(s.values[i] * inverse + 0.5) / inverse;
          }
        }
        return vec(dropNames(in));
      }
      case "clamp", "clamp_min", "clamp_max" -> {
        List<StepSeries> in = ev.evalVector(args.get(0), ctx);
        double[] min = null;
        double[] max = null;
        if (name.equals("clamp")) {
          min = ev.evalScalar(args.get(1), ctx);
          max = ev.evalScalar(args.get(2), ctx);
        } else if (name.equals("clamp_min")) {
          min = ev.evalScalar(args.get(1), ctx);
        } else {
          max = ev.evalScalar(args.get(1), ctx);
        }
        for (StepSeries s : in) {
          for (int i = 0; i < steps; i++) {
            double v = s.values[i];
            if (min != null && max != null && max[i] < min[i]) {
              s.present[i] = false;
              continue;
            }
            if (max != null) {
              v = goMin(max[i], v);
            }
            if (min != null) {
              v = goMax(min[i], v);
            }
            s.values[i] = v;
          }
        }
        return vec(dropNames(removeEmpty(in)));
      }
      case "histogram_quantile" -> {
        double[] q = ev.evalScalar(args.get(0), ctx);
        return vec(Histograms.quantile(ev, q, args.get(0).pos(), ev.evalVector(args.get(1), ctx),
            args.get(1).pos(), steps));
      }
      case "histogram_fraction" -> {
        double[] lower = ev.evalScalar(args.get(0), ctx);
        double[] upper = ev.evalScalar(args.get(1), ctx);
        return vec(Histograms.fraction(ev, lower, upper, ev.evalVector(args.get(2), ctx), args.get(2).pos(), steps));
      }
      case "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev",
          "histogram_stdvar" -> {
        // Native histograms are not supported: float series yield nothing.
        for (Expr a : args) {
          if (a.type() == ValueType.VECTOR) {
            ev.evalVector(a, ctx);
          }
        }
        return vec(List.of());
      }
      case "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year" -> {
        List<StepSeries> in;
        if (args.isEmpty()) {
          StepSeries s = new StepSeries(Labels.EMPTY, steps);
          for (int i = 0; i < steps; i++) {
            s.set(i, ctx.time(i) / 1000.0);
          }
          in = List.of(s);
        } else {
          in = ev.evalVector(args.get(0), ctx);
        }
        for (StepSeries s : in) {
          for (int i = 0; i < steps; i++) {
            if (s.present[i]) {
              s.values[i] = dateFunction(name, s.values[i]);
            }
          }
        }
        return vec(dropNames(in));
      }
      default -> {}
    }
    DoubleUnaryOperator math = mathFunction(name);
    if (math != null) {
      List<StepSeries> in = ev.evalVector(args.get(0), ctx);
      for (StepSeries s : in) {
        for (int i = 0; i < steps; i++) {
          s.values[i] = math.applyAsDouble(s.values[i]);
        }
      }
      return vec(dropNames(in));
    }
    RangeFunctions.RangeFn fn = RangeFunctions.get(name);
    if (fn == null) {
      throw new PromQLException(ErrorType.BAD_DATA, "function \"" + name + "\" is not supported");
    }
    double[] p0 = null;
    double[] p1 = null;
    Expr rangeExpr;
    switch (name) {
      case "quantile_over_time" -> {
        p0 = ev.evalScalar(args.get(0), ctx);
        rangeExpr = args.get(1);
      }
      case "predict_linear" -> {
        p0 = ev.evalScalar(args.get(1), ctx);
        rangeExpr = args.get(0);
      }
      case "double_exponential_smoothing" -> {
        p0 = ev.evalScalar(args.get(1), ctx);
        p1 = ev.evalScalar(args.get(2), ctx);
        rangeExpr = args.get(0);
      }
      default -> rangeExpr = args.get(0);
    }
    RangeArg arg = ev.rangeArg(rangeExpr, ctx, name);
    boolean keepName = name.equals("last_over_time") || name.equals("first_over_time");
    // Prometheus (engine.go) checks the metric name of rate() and increase() inputs only; irate() is not checked.
    int counterInfoPos = -1;
    if (name.equals("rate") || name.equals("increase")) {
      // Prometheus reports the argument's position with parentheses removed; a subquery argument is replaced by a
      // synthetic matrix selector without a position there, so its position is the start of the query.
      Expr unwrapped = Expr.unwrap(rangeExpr);
      counterInfoPos = unwrapped instanceof Expr.MatrixSelector ? unwrapped.pos() : 0;
    }
    List<StepSeries> out = Evaluator.dedupe(applyRange(ev, arg, ctx, fn, p0, p1, !keepName, counterInfoPos));
    if (name.equals("quantile_over_time")) {
      for (int i = 0; i < steps; i++) {
        double q = p0[i];
        if (Double.isNaN(q) || q < 0 || q > 1) {
          for (StepSeries s : out) {
            if (s.present[i]) {
              ev.annos.warn("quantile value should be between 0 and 1, got " + Annotations.formatG(q),
                  args.get(0).pos());
              break;
            }
          }
        }
      }
    }
    return vec(out);
  }

  /**
   * Applies {@code fn} to every step's window of every series of {@code arg}, counting the window's samples as
   * queryable samples of that step. With {@code counterInfoPos >= 0} (rate, increase) a series that yields a value
   * and whose metric name lacks a counter suffix gets Prometheus's "might not be a counter" info at that position.
   */
  static List<StepSeries> applyRange(Evaluator ev, RangeArg arg, Ctx ctx, RangeFunctions.RangeFn fn, double[] p0,
      double[] p1, boolean dropName, int counterInfoPos) {
    int steps = ctx.steps();
    String lastCheckedName = null;
    List<StepSeries> out = new ArrayList<>(arg.series().size());
    for (SeriesData d : arg.series()) {
      ev.checkTimeout();
      long[] ts = d.timestampsMs();
      double[] v = d.values();
      int n = d.size();
      StepSeries s = new StepSeries(dropName ? Evaluator.dropName(d.labels()) : d.labels(), steps);
      int lo = 0;
      int hi = 0;
      for (int i = 0; i < steps; i++) {
        long end = arg.windowEnd(ctx, i);
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
        double r = fn.apply(ts, v, lo, hi, end, arg.rangeMs(), p0 == null ? 0 : p0[i], p1 == null ? 0 : p1[i],
            ctx.time(i));
        if (!Evaluator.isAbsent(r)) {
          s.set(i, r);
        }
      }
      if (!s.isEmpty()) {
        out.add(s);
        if (counterInfoPos >= 0) {
          String metric = d.labels().get(Labels.METRIC_NAME);
          if (metric != null && !metric.isEmpty() && !metric.equals(lastCheckedName)) {
            lastCheckedName = metric;
            if (!hasCounterSuffix(metric)) {
              ev.annos.info("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "
                  + Annotations.quote(metric), counterInfoPos);
            }
          }
        }
      }
    }
    return out;
  }

  /** Whether a metric name ends in one of the suffixes Prometheus takes as a sign of a counter. */
  static boolean hasCounterSuffix(String metric) {
    return metric.endsWith("_total") || metric.endsWith("_sum") || metric.endsWith("_count")
        || metric.endsWith("_bucket");
  }

  /** Natural ordering: runs of digits compare numerically, as Prometheus's sort_by_label. */
  static int naturalCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        continue;
      }
      if (ca != cb) {
        return Character.compare(ca, cb);
      }
      i++;
      j++;
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static Result vec(List<StepSeries> series) {
    return new Result.Vec(series);
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

  /** Go's math.Min/Max: NaN wins. */
  static double goMin(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
  }

  static double goMax(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
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

  static DoubleUnaryOperator mathFunction(String name) {
    return switch (name) {
      case "abs" -> Math::abs;
      case "ceil" -> Math::ceil;
      case "floor" -> Math::floor;
      case "exp" -> Math::exp;
      case "ln" -> Math::log;
      case "log2" -> x -> Math.log(x) / Math.log(2);
      case "log10" -> Math::log10;
      case "sqrt" -> Math::sqrt;
      case "sgn" -> x -> Double.isNaN(x) ? x : Math.signum(x);
      case "acos" -> Math::acos;
      case "asin" -> Math::asin;
      case "atan" -> Math::atan;
      case "cos" -> Math::cos;
      case "sin" -> Math::sin;
      case "tan" -> Math::tan;
      case "cosh" -> Math::cosh;
      case "sinh" -> Math::sinh;
      case "tanh" -> Math::tanh;
      case "acosh" -> x -> Math.log(x + Math.sqrt(x * x - 1));
      case "asinh" -> x -> Double.isInfinite(x) ? x : Math.log(x + Math.sqrt(x * x + 1));
      case "atanh" -> x -> 0.5 * Math.log((1 + x) / (1 - x));
      case "deg" -> x -> x * 180 / Math.PI;
      case "rad" -> x -> x * Math.PI / 180;
      default -> null;
    };
  }

  private static double dateFunction(String name, double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return Double.NaN;
    }
    ZonedDateTime t = Instant.ofEpochSecond((long) seconds).atZone(ZoneOffset.UTC);
    return switch (name) {
      case "day_of_month" -> t.getDayOfMonth();
      case "day_of_week" -> t.getDayOfWeek().getValue() % 7;
      case "day_of_year" -> t.getDayOfYear();
      case "days_in_month" -> YearMonth.of(t.getYear(), t.getMonthValue()).lengthOfMonth();
      case "hour" -> t.getHour();
      case "minute" -> t.getMinute();
      case "month" -> t.getMonthValue();
      default -> t.getYear();
    };
  }

  private static String str(Evaluator ev, Expr e, Ctx ctx) {
    return ((Result.Str) ev.eval(e, ctx)).value();
  }

  static boolean validLabelName(String name) {
    return !name.isEmpty() && name.codePoints().allMatch(c -> c != 0xFFFD);
  }

  private static List<StepSeries> labelReplace(Evaluator ev, List<Expr> args, Ctx ctx) {
    String dst = str(ev, args.get(1), ctx);
    String repl = str(ev, args.get(2), ctx);
    String src = str(ev, args.get(3), ctx);
    String regex = str(ev, args.get(4), ctx);
    Pattern pattern;
    try {
      pattern = Pattern.compile("^(?s:" + regex + ")$");
    } catch (PatternSyntaxException e) {
      throw Evaluator.execError("invalid regular expression in label_replace(): " + regex);
    }
    if (!validLabelName(dst)) {
      throw Evaluator.execError("invalid destination label name in label_replace(): " + dst);
    }
    List<StepSeries> in = ev.evalVector(args.get(0), ctx);
    for (StepSeries s : in) {
      com.google.re2j.Matcher m = pattern.matcher(s.labels.get(src));
      if (m.matches()) {
        String value = expand(m, repl);
        s.labels = s.labels.toBuilder().set(dst, value).build();
      }
    }
    return Evaluator.dedupe(in);
  }

  /** Go regexp.Expand template semantics: $1, ${1}, $name, ${name}, $$. */
  static String expand(com.google.re2j.Matcher m, String template) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$' || i + 1 >= template.length()) {
        sb.append(c);
        i++;
        continue;
      }
      char next = template.charAt(i + 1);
      if (next == '$') {
        sb.append('$');
        i += 2;
        continue;
      }
      String name;
      int endIdx;
      if (next == '{') {
        int close = template.indexOf('}', i + 2);
        if (close < 0) {
          sb.append(c);
          i++;
          continue;
        }
        name = template.substring(i + 2, close);
        endIdx = close + 1;
      } else {
        int j = i + 1;
        while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
          j++;
        }
        name = template.substring(i + 1, j);
        endIdx = j;
      }
      if (name.isEmpty()) {
        sb.append(c);
        i++;
        continue;
      }
      String value = null;
      if (name.chars().allMatch(Character::isDigit)) {
        int g = Integer.parseInt(name);
        if (g <= m.groupCount()) {
          value = m.group(g);
        }
      } else {
        try {
          value = m.group(name);
        } catch (IllegalArgumentException e) {
          value = null;
        }
      }
      if (value != null) {
        sb.append(value);
      }
      i = endIdx;
    }
    return sb.toString();
  }

  private static List<StepSeries> labelJoin(Evaluator ev, List<Expr> args, Ctx ctx) {
    String dst = str(ev, args.get(1), ctx);
    String sep = str(ev, args.get(2), ctx);
    List<String> srcs = new ArrayList<>();
    for (int i = 3; i < args.size(); i++) {
      srcs.add(str(ev, args.get(i), ctx));
    }
    if (!validLabelName(dst)) {
      throw Evaluator.execError("invalid destination label name in label_join(): " + dst);
    }
    List<StepSeries> in = ev.evalVector(args.get(0), ctx);
    for (StepSeries s : in) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < srcs.size(); i++) {
        if (i > 0) {
          sb.append(sep);
        }
        sb.append(s.labels.get(srcs.get(i)));
      }
      s.labels = s.labels.toBuilder().set(dst, sb.toString()).build();
    }
    return Evaluator.dedupe(in);
  }
}
