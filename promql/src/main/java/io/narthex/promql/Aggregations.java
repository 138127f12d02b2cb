package io.narthex.promql;

import io.narthex.common.GoFloat;
import io.narthex.promql.parser.Expr;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Aggregation operators, per Prometheus promql/engine.go aggregation semantics. Groups are computed once. */
final class Aggregations {
  private Aggregations() {}

  static Result eval(Evaluator ev, Expr.Aggregate agg, StepGrid grid) {
    int steps = grid.steps();
    double[] param = null;
    String labelParam = null;
    if (agg.param() != null) {
      Result p = ev.eval(agg.param(), grid);
      if (p instanceof Result.StepString s) {
        labelParam = s.value();
      } else {
        param = ((Result.StepScalar) p).values();
      }
    }
    List<StepSeries> in = ev.evalVector(agg.expr(), grid);
    // Group once per series.
    Set<String> grouping = new HashSet<>(agg.grouping());
    if (agg.without()) {
      grouping.add(Labels.METRIC_NAME);
      grouping.add("__type__");
      grouping.add("__unit__");
    }
    Map<Labels, Integer> groupIndex = new LinkedHashMap<>();
    int[] groupOf = new int[in.size()];
    for (int i = 0; i < in.size(); i++) {
      Labels l = in.get(i).labels;
      Labels key = agg.without() ? l.without(grouping) : l.keep(grouping);
      Integer g = groupIndex.get(key);
      if (g == null) {
        g = groupIndex.size();
        groupIndex.put(key, g);
      }
      groupOf[i] = g;
    }
    List<Labels> groupLabels = new ArrayList<>(groupIndex.keySet());
    int groups = groupLabels.size();
    String op = agg.op();
    switch (op) {
      case "topk", "bottomk", "limitk", "limit_ratio" -> {
        return new Result.StepVector(selectK(ev, op, param, agg.param().pos(), in, groupOf, groups, steps));
      }
      case "count_values" -> {
        return new Result.StepVector(countValues(labelParam, in, groupOf, groupLabels, steps));
      }
      case "quantile" -> {
        List<StepSeries> out = newOutputs(groupLabels, steps);
        double[][] buf = new double[groups][];
        int[] n = new int[groups];
        for (int g = 0; g < groups; g++) {
          buf[g] = new double[4];
        }
        for (int step = 0; step < steps; step++) {
          Arrays.fill(n, 0);
          for (int i = 0; i < in.size(); i++) {
            StepSeries s = in.get(i);
            if (s.present[step]) {
              int g = groupOf[i];
              if (n[g] == buf[g].length) {
                buf[g] = Arrays.copyOf(buf[g], n[g] * 2);
              }
              buf[g][n[g]++] = s.values[step];
            }
          }
          double q = param[step];
          if ((Double.isNaN(q) || q < 0 || q > 1) && !in.isEmpty()) {
            ev.annotations.warn("quantile value should be between 0 and 1, got " + Annotations.formatG(q),
                agg.param().pos());
          }
          for (int g = 0; g < groups; g++) {
            if (n[g] > 0) {
              out.get(g).set(step, RangeFunctions.quantile(param[step], Arrays.copyOf(buf[g], n[g])));
            }
          }
        }
        return new Result.StepVector(FunctionCalls.removeEmpty(out));
      }
      default -> {}
    }
    List<StepSeries> out = newOutputs(groupLabels, steps);
    double[] value = new double[groups];
    double[] comp = new double[groups];
    double[] mean = new double[groups];
    double[] meanC = new double[groups];
    double[] count = new double[groups];
    boolean[] incremental = new boolean[groups];
    double[] state = new double[2];
    for (int step = 0; step < steps; step++) {
      if ((step & 1023) == 0) {
        ev.checkTimeout();
      }
      Arrays.fill(count, 0);
      for (int i = 0; i < in.size(); i++) {
        StepSeries s = in.get(i);
        if (!s.present[step]) {
          continue;
        }
        int g = groupOf[i];
        double f = s.values[step];
        double c = ++count[g];
        if (c == 1) {
          value[g] = switch (op) {
            case "count", "group" -> 1;
            case "stddev", "stdvar" -> Double.isNaN(f) || Double.isInfinite(f) ? Double.NaN : 0;
            default -> f;
          };
          comp[g] = 0;
          mean[g] = f;
          meanC[g] = 0;
          incremental[g] = false;
          continue;
        }
        switch (op) {
          case "sum" -> {
            state[0] = value[g];
            state[1] = comp[g];
            RangeFunctions.kahanInc(f, state);
            value[g] = state[0];
            comp[g] = state[1];
          }
          case "avg" -> {
            if (!incremental[g]) {
              state[0] = value[g];
              state[1] = comp[g];
              RangeFunctions.kahanInc(f, state);
              if (!Double.isInfinite(state[0])) {
                value[g] = state[0];
                comp[g] = state[1];
                continue;
              }
              incremental[g] = true;
              mean[g] = value[g] / (c - 1);
              meanC[g] = comp[g] / (c - 1);
            }
            // Prometheus 3.x (engine.go): the mean so far scaled by (c-1)/c, plus f/c, compensated.
            double q = (c - 1) / c;
            state[0] = q * mean[g];
            state[1] = q * meanC[g];
            RangeFunctions.kahanInc(f / c, state);
            mean[g] = state[0];
            meanC[g] = state[1];
          }
          case "count" -> value[g] = c;
          case "group" -> value[g] = 1;
          case "min" -> {
            if (value[g] > f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case "max" -> {
            if (value[g] < f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case "stddev", "stdvar" -> {
            double delta = f - mean[g];
            mean[g] += delta / c;
            value[g] += delta * (f - mean[g]);
          }
          default -> throw new PromQLException(ErrorType.BAD_DATA, "unsupported aggregation " + op);
        }
      }
      for (int g = 0; g < groups; g++) {
        if (count[g] == 0) {
          continue;
        }
        double r = switch (op) {
          case "sum" -> value[g] + comp[g];
          case "avg" -> incremental[g] ? mean[g] + meanC[g] : value[g] / count[g] + comp[g] / count[g];
          case "stdvar" -> value[g] / count[g];
          case "stddev" -> Math.sqrt(value[g] / count[g]);
          default -> value[g];
        };
        out.get(g).set(step, r);
      }
    }
    return new Result.StepVector(FunctionCalls.removeEmpty(out));
  }

  private static List<StepSeries> newOutputs(List<Labels> groupLabels, int steps) {
    List<StepSeries> out = new ArrayList<>(groupLabels.size());
    for (Labels l : groupLabels) {
      out.add(new StepSeries(l, steps));
    }
    return out;
  }

  private static List<StepSeries> selectK(Evaluator ev, String op, double[] param, int paramPos,
      List<StepSeries> in,
      int[] groupOf, int groups, int steps) {
    List<StepSeries> out = new ArrayList<>(in.size());
    for (StepSeries s : in) {
      out.add(new StepSeries(s.labels, steps));
    }
    List<List<Integer>> members = new ArrayList<>(groups);
    for (int g = 0; g < groups; g++) {
      members.add(new ArrayList<>());
    }
    for (int i = 0; i < in.size(); i++) {
      members.get(groupOf[i]).add(i);
    }
    List<StepSeries> ordered = steps == 1 ? new ArrayList<>() : null;
    List<Integer> present = new ArrayList<>();
    for (int step = 0; step < steps; step++) {
      final int st = step;
      double p = param[step];
      if (Double.isNaN(p)) {
        throw Evaluator.execError(op.equals("limit_ratio") ? "Ratio value is NaN" : "Parameter value is NaN");
      }
      if (op.equals("limit_ratio")) {
        double ratio = Math.max(-1, Math.min(1, p));
        if (p < -1 || p > 1) {
          ev.annotations.warn("ratio value should be between -1 and 1, got " + Annotations.formatG(p) + ", capping to "
              + Annotations.formatG(ratio), paramPos);
        }
        for (int i = 0; i < in.size(); i++) {
          StepSeries s = in.get(i);
          if (s.present[step] && addRatioSample(ratio, s.labels)) {
            out.get(i).set(step, s.values[step]);
            if (ordered != null) {
              ordered.add(out.get(i));
            }
          }
        }
        continue;
      }
      long k = p >= 9.223372036854776E18 ? Long.MAX_VALUE : (long) p;
      if (k < 1) {
        continue;
      }
      for (int g = 0; g < groups; g++) {
        present.clear();
        for (int i : members.get(g)) {
          if (in.get(i).present[step]) {
            present.add(i);
          }
        }
        if (!op.equals("limitk")) {
          boolean top = op.equals("topk");
          present.sort((a, b) -> {
            double x = in.get(a).values[st];
            double y = in.get(b).values[st];
            boolean xn = Double.isNaN(x);
            boolean yn = Double.isNaN(y);
            if (xn || yn) {
              return Boolean.compare(xn, yn);
            }
            return top ? Double.compare(y, x) : Double.compare(x, y);
          });
        }
        int take = (int) Math.min(k, present.size());
        for (int j = 0; j < take; j++) {
          int i = present.get(j);
          out.get(i).set(step, in.get(i).values[step]);
          if (ordered != null) {
            ordered.add(out.get(i));
          }
        }
      }
    }
    return ordered != null ? ordered : FunctionCalls.removeEmpty(out);
  }

  private static boolean addRatioSample(double ratio, Labels labels) {
    double offset = unsignedToDouble(labels.hash()) / 1.8446744073709552E19;
    return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
  }

  private static double unsignedToDouble(long v) {
    double d = (double) (v >>> 1) * 2.0;
    return d + (v & 1);
  }

  private static List<StepSeries> countValues(String label, List<StepSeries> in, int[] groupOf,
      List<Labels> groupLabels, int steps) {
    if (!LabelFunctions.validLabelName(label)) {
      throw Evaluator.execError("invalid label name \"" + label + "\"");
    }
    Map<Labels, StepSeries> out = new LinkedHashMap<>();
    Map<Double, String> formatted = new HashMap<>();
    for (int step = 0; step < steps; step++) {
      for (int i = 0; i < in.size(); i++) {
        StepSeries s = in.get(i);
        if (!s.present[step]) {
          continue;
        }
        String value = formatted.computeIfAbsent(s.values[step], GoFloat::formatF);
        Labels l = groupLabels.get(groupOf[i]).toBuilder().set(label, value).build();
        StepSeries o = out.computeIfAbsent(l, k -> new StepSeries(k, steps));
        o.set(step, o.present[step] ? o.values[step] + 1 : 1);
      }
    }
    return new ArrayList<>(out.values());
  }

}
