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
    if (param == null && labelParam == null) {
      Result streamed = StreamingAggregation.eval(ev, agg, grid);
      if (streamed != null) {
        return streamed;
      }
    }
    List<StepSeries> in = ev.evalVector(agg.expr(), grid);
    // Group once per series.
    Set<String> grouping = grouping(agg);
    Map<Labels, Integer> groupIndex = new LinkedHashMap<>();
    int[] groupOf = new int[in.size()];
    for (int i = 0; i < in.size(); i++) {
      Labels key = groupKey(agg, grouping, in.get(i).labels);
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
    int code = AggregationFold.opCode(op);
    if (code < 0) {
      throw new PromQLException(ErrorType.BAD_DATA, "unsupported aggregation " + op);
    }
    AggregationFold fold = new AggregationFold(code, groups, steps);
    for (int i = 0; i < in.size(); i++) {
      if ((i & 1023) == 0) {
        ev.checkTimeout();
      }
      fold.add(groupOf[i], in.get(i));
    }
    List<StepSeries> out = newOutputs(groupLabels, steps);
    for (int g = 0; g < groups; g++) {
      fold.result(g, out.get(g));
    }
    return new Result.StepVector(FunctionCalls.removeEmpty(out));
  }

  /** The labels {@code by} keeps or {@code without} drops (with the metric name and its metadata labels). */
  static Set<String> grouping(Expr.Aggregate agg) {
    Set<String> grouping = new HashSet<>(agg.grouping());
    if (agg.without()) {
      grouping.add(Labels.METRIC_NAME);
      grouping.add("__type__");
      grouping.add("__unit__");
    }
    return grouping;
  }

  /** The labels of the group a series with {@code labels} falls in. */
  static Labels groupKey(Expr.Aggregate agg, Set<String> grouping, Labels labels) {
    return agg.without() ? labels.without(grouping) : labels.keep(grouping);
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
