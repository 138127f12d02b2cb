package io.narthex.promql;

/**
 * Accumulators of the aggregations without a parameter ({@code sum}, {@code avg}, {@code count}, {@code group},
 * {@code min}, {@code max}, {@code stddev}, {@code stdvar}), one cell per group and step ({@code group * steps +
 * step}), after Prometheus's promql/engine.go aggregation: {@code sum} Kahan-compensated, {@code avg} a compensated
 * sum until it overflows and then the incremental mean of Prometheus 3.x, {@code stddev}/{@code stdvar} Welford's.
 *
 * <p>Values must be added to a cell in series order; the result then does not depend on whether the series were
 * materialised first or streamed one at a time. Arrays a function does not need stay null (a {@code sum} holds 20
 * bytes per cell, an {@code avg} 37).
 */
final class AggregationFold {
  static final int SUM = 0;
  static final int AVG = 1;
  static final int COUNT = 2;
  static final int GROUP = 3;
  static final int MIN = 4;
  static final int MAX = 5;
  static final int STDDEV = 6;
  static final int STDVAR = 7;

  private final int op;
  private final int steps;
  private final int[] count;
  private final double[] value;
  private final double[] comp;
  private final double[] mean;
  private final double[] meanC;
  private final boolean[] incremental;
  private final double[] state = new double[2];

  /** The code of aggregation {@code op}, or -1 when it takes a parameter or is not a fold. */
  static int opCode(String op) {
    return switch (op) {
      case "sum" -> SUM;
      case "avg" -> AVG;
      case "count" -> COUNT;
      case "group" -> GROUP;
      case "min" -> MIN;
      case "max" -> MAX;
      case "stddev" -> STDDEV;
      case "stdvar" -> STDVAR;
      default -> -1;
    };
  }

  /** Accumulators for {@code groups} x {@code steps} cells of operator {@code op} (an {@link #opCode}). */
  AggregationFold(int op, int groups, int steps) {
    int cells = Math.multiplyExact(groups, steps);
    this.op = op;
    this.steps = steps;
    this.count = new int[cells];
    this.value = new double[cells];
    boolean compensated = op == SUM || op == AVG;
    boolean means = op == AVG || op == STDDEV || op == STDVAR;
    this.comp = compensated ? new double[cells] : null;
    this.mean = means ? new double[cells] : null;
    this.meanC = op == AVG ? new double[cells] : null;
    this.incremental = op == AVG ? new boolean[cells] : null;
  }

  /** Folds one series' present step values into its group's cells. */
  void add(int group, StepSeries s) {
    int base = group * steps;
    for (int i = 0; i < steps; i++) {
      if (s.present[i]) {
        add(base + i, s.values[i]);
      }
    }
  }

  private void add(int cell, double f) {
    double c = ++count[cell];
    if (c == 1) {
      value[cell] = switch (op) {
        case COUNT, GROUP -> 1;
        case STDDEV, STDVAR -> Double.isNaN(f) || Double.isInfinite(f) ? Double.NaN : 0;
        default -> f;
      };
      if (mean != null) {
        mean[cell] = f;
      }
      return;
    }
    switch (op) {
      case SUM -> {
        state[0] = value[cell];
        state[1] = comp[cell];
        RangeFunctions.kahanInc(f, state);
        value[cell] = state[0];
        comp[cell] = state[1];
      }
      case AVG -> {
        if (!incremental[cell]) {
          state[0] = value[cell];
          state[1] = comp[cell];
          RangeFunctions.kahanInc(f, state);
          if (!Double.isInfinite(state[0])) {
            value[cell] = state[0];
            comp[cell] = state[1];
            return;
          }
          incremental[cell] = true;
          mean[cell] = value[cell] / (c - 1);
          meanC[cell] = comp[cell] / (c - 1);
        }
        // Prometheus 3.x (engine.go): the mean so far scaled by (c-1)/c, plus f/c, compensated.
        double q = (c - 1) / c;
        state[0] = q * mean[cell];
        state[1] = q * meanC[cell];
        RangeFunctions.kahanInc(f / c, state);
        mean[cell] = state[0];
        meanC[cell] = state[1];
      }
      case COUNT -> value[cell] = c;
      case GROUP -> value[cell] = 1;
      case MIN -> {
        if (value[cell] > f || Double.isNaN(value[cell])) {
          value[cell] = f;
        }
      }
      case MAX -> {
        if (value[cell] < f || Double.isNaN(value[cell])) {
          value[cell] = f;
        }
      }
      case STDDEV, STDVAR -> {
        double delta = f - mean[cell];
        mean[cell] += delta / c;
        value[cell] += delta * (f - mean[cell]);
      }
      default -> throw new IllegalStateException("not a fold: " + op);
    }
  }

  /** Writes group {@code group}'s result into {@code out} at every step where a series had a value. */
  void result(int group, StepSeries out) {
    int base = group * steps;
    for (int i = 0; i < steps; i++) {
      int cell = base + i;
      double n = count[cell];
      if (n == 0) {
        continue;
      }
      out.set(i, switch (op) {
        case SUM -> value[cell] + comp[cell];
        case AVG -> incremental[cell] ? mean[cell] + meanC[cell] : value[cell] / n + comp[cell] / n;
        case STDVAR -> value[cell] / n;
        case STDDEV -> Math.sqrt(value[cell] / n);
        default -> value[cell];
      });
    }
  }
}
