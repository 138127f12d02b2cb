package io.narthex.promql;

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

/**
 * Binary operators between scalars and instant vectors, including vector matching, per Prometheus
 * promql/engine.go (VectorBinop, VectorscalarBinop, And/Or/Unless) semantics. Matching signatures are computed
 * once per series; the per-step loops only walk arrays.
 */
final class BinaryEval {
  private BinaryEval() {}

  static Result eval(Evaluator ev, Expr.Binary b, StepGrid grid) {
    Result l = ev.eval(b.lhs(), grid);
    Result r = ev.eval(b.rhs(), grid);
    String op = b.op();
    boolean cmp = b.isComparison();
    int steps = grid.steps();
    if (l instanceof Result.StepScalar ls && r instanceof Result.StepScalar rs) {
      double[] out = new double[steps];
      for (int i = 0; i < steps; i++) {
        double lv = ls.values()[i];
        double rv = rs.values()[i];
        out[i] = cmp ? (compare(op, lv, rv) ? 1 : 0) : arith(op, lv, rv);
      }
      return new Result.StepScalar(out);
    }
    if (l instanceof Result.StepScalar ls) {
      List<StepSeries> vector = ((Result.StepVector) r).series();
      return new Result.StepVector(vectorScalar(vector, ls.values(), op, true, b.returnBool()));
    }
    if (r instanceof Result.StepScalar rs) {
      List<StepSeries> vector = ((Result.StepVector) l).series();
      return new Result.StepVector(vectorScalar(vector, rs.values(), op, false, b.returnBool()));
    }
    List<StepSeries> lhs = ((Result.StepVector) l).series();
    List<StepSeries> rhs = ((Result.StepVector) r).series();
    Expr.VectorMatching vm = b.matching();
    return switch (op) {
      case "and" -> new Result.StepVector(andUnless(lhs, rhs, vm, steps, true));
      case "unless" -> new Result.StepVector(andUnless(lhs, rhs, vm, steps, false));
      case "or" -> new Result.StepVector(or(lhs, rhs, vm, steps));
      default -> new Result.StepVector(vectorVector(ev, lhs, rhs, vm, op, b.returnBool(), steps));
    };
  }

  static boolean dropsName(String op) {
    return switch (op) {
      case "+", "-", "*", "/", "%", "^", "atan2" -> true;
      default -> false;
    };
  }

  static boolean compare(String op, double l, double r) {
    return switch (op) {
      case "==" -> l == r;
      case "!=" -> l != r;
      case ">" -> l > r;
      case "<" -> l < r;
      case ">=" -> l >= r;
      case "<=" -> l <= r;
      default -> throw new PromQLException(ErrorType.INTERNAL, "not a comparison: " + op);
    };
  }

  static double arith(String op, double l, double r) {
    return switch (op) {
      case "+" -> l + r;
      case "-" -> l - r;
      case "*" -> l * r;
      case "/" -> l / r;
      case "%" -> l % r;
      case "^" -> goPow(l, r);
      case "atan2" -> Math.atan2(l, r);
      default -> throw new PromQLException(ErrorType.INTERNAL, "not an arithmetic operator: " + op);
    };
  }

  /** Go math.Pow special cases that differ from Java's Math.pow. */
  static double goPow(double x, double y) {
    if (x == 1 || y == 0) {
      return 1;
    }
    if (x == -1 && Double.isInfinite(y)) {
      return 1;
    }
    return Math.pow(x, y);
  }

  private static List<StepSeries> vectorScalar(List<StepSeries> vec, double[] scalar, String op, boolean scalarLeft,
      boolean returnBool) {
    boolean cmp = io.narthex.promql.parser.BinaryOps.isComparison(op);
    boolean dropName = dropsName(op) || returnBool;
    for (StepSeries s : vec) {
      if (dropName) {
        s.labels = Evaluator.dropName(s.labels);
      }
      for (int i = 0; i < s.values.length; i++) {
        if (!s.present[i]) {
          continue;
        }
        double v = s.values[i];
        double lv = scalarLeft ? scalar[i] : v;
        double rv = scalarLeft ? v : scalar[i];
        if (cmp) {
          boolean keep = compare(op, lv, rv);
          if (returnBool) {
            s.values[i] = keep ? 1 : 0;
          } else if (!keep) {
            s.present[i] = false;
          }
        } else {
          s.values[i] = arith(op, lv, rv);
        }
      }
    }
    List<StepSeries> out = FunctionCalls.removeEmpty(vec);
    return dropName ? Evaluator.dedupe(out) : out;
  }

  /** Match signature of set operators: besides the name, the type and unit labels are ignored too. */
  static Labels setSignature(Labels l, Expr.VectorMatching vm) {
    if (vm.on()) {
      return l.keep(vm.matchingLabels());
    }
    Set<String> drop = new HashSet<>(vm.matchingLabels());
    drop.add(Labels.METRIC_NAME);
    drop.add("__type__");
    drop.add("__unit__");
    return l.without(drop);
  }

  static Labels signature(Labels l, Expr.VectorMatching vm) {
    if (vm.on()) {
      return l.keep(vm.matchingLabels());
    }
    Set<String> drop = new HashSet<>(vm.matchingLabels());
    drop.add(Labels.METRIC_NAME);
    return l.without(drop);
  }

  private static int[] groupBySignature(List<StepSeries> series, Expr.VectorMatching vm, Map<Labels, Integer> index,
      boolean setOp) {
    int[] out = new int[series.size()];
    for (int i = 0; i < series.size(); i++) {
      Labels sig = setOp ? setSignature(series.get(i).labels, vm) : signature(series.get(i).labels, vm);
      Integer g = index.get(sig);
      if (g == null) {
        g = index.size();
        index.put(sig, g);
      }
      out[i] = g;
    }
    return out;
  }

  private static List<StepSeries> andUnless(List<StepSeries> lhs, List<StepSeries> rhs, Expr.VectorMatching vm,
      int steps, boolean and) {
    Map<Labels, Integer> index = new HashMap<>();
    int[] rg = groupBySignature(rhs, vm, index, true);
    int[] lg = new int[lhs.size()];
    for (int i = 0; i < lhs.size(); i++) {
      Integer g = index.get(setSignature(lhs.get(i).labels, vm));
      lg[i] = g == null ? -1 : g;
    }
    boolean[] any = new boolean[index.size()];
    for (int step = 0; step < steps; step++) {
      Arrays.fill(any, false);
      for (int j = 0; j < rhs.size(); j++) {
        if (rhs.get(j).present[step]) {
          any[rg[j]] = true;
        }
      }
      for (int i = 0; i < lhs.size(); i++) {
        StepSeries s = lhs.get(i);
        if (s.present[step]) {
          boolean matched = lg[i] >= 0 && any[lg[i]];
          if (matched != and) {
            s.present[step] = false;
          }
        }
      }
    }
    return FunctionCalls.removeEmpty(lhs);
  }

  private static List<StepSeries> or(List<StepSeries> lhs, List<StepSeries> rhs, Expr.VectorMatching vm, int steps) {
    Map<Labels, Integer> index = new HashMap<>();
    int[] lg = groupBySignature(lhs, vm, index, true);
    int[] rg = new int[rhs.size()];
    for (int j = 0; j < rhs.size(); j++) {
      Integer g = index.get(setSignature(rhs.get(j).labels, vm));
      rg[j] = g == null ? -1 : g;
    }
    boolean[] any = new boolean[index.size()];
    for (int step = 0; step < steps; step++) {
      Arrays.fill(any, false);
      for (int i = 0; i < lhs.size(); i++) {
        if (lhs.get(i).present[step]) {
          any[lg[i]] = true;
        }
      }
      for (int j = 0; j < rhs.size(); j++) {
        StepSeries s = rhs.get(j);
        if (s.present[step] && rg[j] >= 0 && any[rg[j]]) {
          s.present[step] = false;
        }
      }
    }
    List<StepSeries> out = new ArrayList<>(lhs);
    out.addAll(FunctionCalls.removeEmpty(rhs));
    return Evaluator.dedupe(out);
  }

  private static List<StepSeries> vectorVector(Evaluator ev, List<StepSeries> lhsIn, List<StepSeries> rhsIn,
      Expr.VectorMatching vm, String op, boolean returnBool, int steps) {
    boolean swap = vm.card() == Expr.Card.ONE_TO_MANY;
    List<StepSeries> many = swap ? rhsIn : lhsIn;
    List<StepSeries> one = swap ? lhsIn : rhsIn;
    boolean cmp = io.narthex.promql.parser.BinaryOps.isComparison(op);
    Map<Labels, Integer> index = new HashMap<>();
    int[] oneGroup = groupBySignature(one, vm, index, false);
    int[] manyGroup = new int[many.size()];
    for (int i = 0; i < many.size(); i++) {
      Integer g = index.get(signature(many.get(i).labels, vm));
      manyGroup[i] = g == null ? -1 : g;
    }
    int groups = index.size();
    int[] oneAt = new int[groups];
    int[] matchedAt = new int[groups];
    int[] lastOne = new int[many.size()];
    StepSeries[] lastOut = new StepSeries[many.size()];
    Arrays.fill(lastOne, -1);
    Map<Labels, StepSeries> outputs = new LinkedHashMap<>();
    for (int step = 0; step < steps; step++) {
      if ((step & 1023) == 0) {
        ev.checkTimeout();
      }
      Arrays.fill(oneAt, -1);
      for (int j = 0; j < one.size(); j++) {
        StepSeries s = one.get(j);
        if (!s.present[step]) {
          continue;
        }
        int g = oneGroup[j];
        if (oneAt[g] >= 0) {
          Labels matched = vm.on() ? s.labels.keep(vm.matchingLabels()) : signature(s.labels, vm);
          throw Evaluator.execError("found duplicate series for the match group " + matched + " on the "
              + (swap ? "left" : "right") + " hand-side of the operation: [" + one.get(oneAt[g]).labels
              + ", " + s.labels + "];many-to-many matching not allowed: matching labels must be unique on one"
              + " side");
        }
        oneAt[g] = j;
      }
      Arrays.fill(matchedAt, -1);
      for (int i = 0; i < many.size(); i++) {
        StepSeries ls = many.get(i);
        int g = manyGroup[i];
        if (!ls.present[step] || g < 0 || oneAt[g] < 0) {
          continue;
        }
        int j = oneAt[g];
        StepSeries rs = one.get(j);
        double fl = ls.values[step];
        double fr = rs.values[step];
        if (swap) {
          double t = fl;
          fl = fr;
          fr = t;
        }
        double value;
        boolean keep = true;
        if (cmp) {
          keep = compare(op, fl, fr);
          value = fl;
        } else {
          value = arith(op, fl, fr);
        }
        if (vm.card() == Expr.Card.ONE_TO_ONE) {
          if (matchedAt[g] >= 0) {
            throw Evaluator.execError(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
          }
          matchedAt[g] = i;
        }
        if (returnBool) {
          value = keep ? 1 : 0;
          keep = true;
        } else if (!keep) {
          continue;
        }
        StepSeries out;
        if (lastOne[i] == j) {
          out = lastOut[i];
        } else {
          Labels metric = resultMetric(ls.labels, rs.labels, op, vm, returnBool);
          out = outputs.computeIfAbsent(metric, k -> new StepSeries(k, steps));
          lastOne[i] = j;
          lastOut[i] = out;
        }
        if (out.present[step]) {
          throw Evaluator.execError(vm.card() == Expr.Card.ONE_TO_ONE
              ? "vector cannot contain metrics with the same labelset"
              : "multiple matches for labels: grouping labels must ensure unique matches");
        }
        out.set(step, value);
      }
    }
    return new ArrayList<>(outputs.values());
  }

  private static Labels resultMetric(Labels lhs, Labels rhs, String op, Expr.VectorMatching vm, boolean returnBool) {
    Labels.Builder b = lhs.toBuilder();
    if (dropsName(op) || returnBool) {
      b.delete(Labels.METRIC_NAME).delete("__type__").delete("__unit__");
    }
    if (vm.card() == Expr.Card.ONE_TO_ONE) {
      if (vm.on()) {
        Labels kept = b.build().keep(vm.matchingLabels());
        b = kept.toBuilder();
      } else {
        for (String name : vm.matchingLabels()) {
          b.delete(name);
        }
      }
    }
    for (String name : vm.include()) {
      String v = rhs.get(name);
      if (!v.isEmpty()) {
        b.set(name, v);
      } else {
        b.delete(name);
      }
    }
    return b.build();
  }
}
