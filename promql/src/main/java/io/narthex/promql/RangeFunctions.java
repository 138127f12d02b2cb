package io.narthex.promql;

import java.util.Arrays;

/**
 * Functions over range-vector windows, per Prometheus promql/functions.go semantics. Each reads one step's window of
 * one series from a {@link RangeWindow} and returns a value or {@link Evaluator#ABSENT}; {@link FunctionCalls}
 * registers them under their PromQL names.
 */
final class RangeFunctions {
  private RangeFunctions() {}

  /** A function of one step's window of one series: a value, or {@link Evaluator#ABSENT} for no output there. */
  @FunctionalInterface
  interface RangeFunction {
    double apply(RangeWindow w);
  }

  static double rate(RangeWindow w) {
    return extrapolatedRate(w, true, true);
  }

  static double increase(RangeWindow w) {
    return extrapolatedRate(w, true, false);
  }

  static double delta(RangeWindow w) {
    return extrapolatedRate(w, false, false);
  }

  static double irate(RangeWindow w) {
    return instantValue(w, true);
  }

  static double idelta(RangeWindow w) {
    return instantValue(w, false);
  }

  static double deriv(RangeWindow w) {
    if (w.count() < 2) {
      return Evaluator.ABSENT;
    }
    return linearRegression(w, w.timestampsMs[w.lo])[0];
  }

  /** {@code predict_linear(v, t)}: t (argument 1) seconds after the step's time. */
  static double predictLinear(RangeWindow w) {
    if (w.count() < 2) {
      return Evaluator.ABSENT;
    }
    double[] r = linearRegression(w, w.stepTimeMs);
    return r[1] + r[0] * w.scalarArg(1);
  }

  static double changes(RangeWindow w) {
    double[] v = w.values;
    int changes = 0;
    for (int i = w.lo + 1; i < w.hi; i++) {
      if (v[i] != v[i - 1] && !(Double.isNaN(v[i]) && Double.isNaN(v[i - 1]))) {
        changes++;
      }
    }
    return changes;
  }

  static double resets(RangeWindow w) {
    double[] v = w.values;
    int resets = 0;
    for (int i = w.lo + 1; i < w.hi; i++) {
      if (v[i] < v[i - 1]) {
        resets++;
      }
    }
    return resets;
  }

  static double sumOverTime(RangeWindow w) {
    double[] v = w.values;
    double sum = 0;
    double c = 0;
    for (int i = w.lo; i < w.hi; i++) {
      double t = sum + v[i];
      if (Double.isInfinite(t)) {
        c = 0;
      } else if (Math.abs(sum) >= Math.abs(v[i])) {
        c += (sum - t) + v[i];
      } else {
        c += (v[i] - t) + sum;
      }
      sum = t;
    }
    return sum + c;
  }

  static double countOverTime(RangeWindow w) {
    return w.count();
  }

  static double presentOverTime(RangeWindow w) {
    return 1;
  }

  static double lastOverTime(RangeWindow w) {
    return w.values[w.hi - 1];
  }

  static double firstOverTime(RangeWindow w) {
    return w.values[w.lo];
  }

  static double tsOfLastOverTime(RangeWindow w) {
    return w.timestampsMs[w.hi - 1] / 1000.0;
  }

  static double tsOfFirstOverTime(RangeWindow w) {
    return w.timestampsMs[w.lo] / 1000.0;
  }

  static double minOverTime(RangeWindow w) {
    double[] v = w.values;
    double min = v[w.lo];
    for (int i = w.lo; i < w.hi; i++) {
      if (v[i] < min || Double.isNaN(min)) {
        min = v[i];
      }
    }
    return min;
  }

  static double maxOverTime(RangeWindow w) {
    double[] v = w.values;
    double max = v[w.lo];
    for (int i = w.lo; i < w.hi; i++) {
      if (v[i] > max || Double.isNaN(max)) {
        max = v[i];
      }
    }
    return max;
  }

  static double tsOfMaxOverTime(RangeWindow w) {
    double[] v = w.values;
    int best = w.lo;
    for (int i = w.lo; i < w.hi; i++) {
      if (v[i] >= v[best] || Double.isNaN(v[best])) {
        best = i;
      }
    }
    return w.timestampsMs[best] / 1000.0;
  }

  static double tsOfMinOverTime(RangeWindow w) {
    double[] v = w.values;
    int best = w.lo;
    for (int i = w.lo; i < w.hi; i++) {
      if (v[i] <= v[best] || Double.isNaN(v[best])) {
        best = i;
      }
    }
    return w.timestampsMs[best] / 1000.0;
  }

  static double stddevOverTime(RangeWindow w) {
    return Math.sqrt(variance(w.values, w.lo, w.hi));
  }

  static double stdvarOverTime(RangeWindow w) {
    return variance(w.values, w.lo, w.hi);
  }

  /** {@code quantile_over_time(φ, v)}: φ is argument 0. */
  static double quantileOverTime(RangeWindow w) {
    return quantile(w.scalarArg(0), Arrays.copyOfRange(w.values, w.lo, w.hi));
  }

  static double madOverTime(RangeWindow w) {
    for (int i = w.lo; i < w.hi; i++) {
      if (Double.isNaN(w.values[i])) {
        return Double.NaN;
      }
    }
    double[] vals = Arrays.copyOfRange(w.values, w.lo, w.hi);
    double median = quantile(0.5, vals.clone());
    for (int i = 0; i < vals.length; i++) {
      vals[i] = Math.abs(vals[i] - median);
    }
    return quantile(0.5, vals);
  }

  /** Neumaier-compensated sum increment: returns {sum, c}. */
  static void kahanInc(double inc, double[] state) {
    double sum = state[0];
    double t = sum + inc;
    if (Double.isInfinite(t)) {
      state[1] = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      state[1] += (sum - t) + inc;
    } else {
      state[1] += (inc - t) + sum;
    }
    state[0] = t;
  }

  static double avgOverTime(RangeWindow w) {
    double[] v = w.values;
    double[] sumC = new double[2];
    double[] meanC = new double[2];
    double count = 0;
    boolean incremental = false;
    for (int i = w.lo; i < w.hi; i++) {
      double f = v[i];
      count++;
      if (!incremental) {
        double oldSum = sumC[0];
        double oldC = sumC[1];
        kahanInc(f, sumC);
        if (count == 1 || !Double.isInfinite(sumC[0])) {
          continue;
        }
        incremental = true;
        meanC[0] = oldSum / (count - 1);
        meanC[1] = oldC / (count - 1);
      }
      // Prometheus 3.x (functions.go): the mean so far scaled by (count-1)/count, plus f/count, compensated.
      double q = (count - 1) / count;
      meanC[0] *= q;
      meanC[1] *= q;
      kahanInc(f / count, meanC);
    }
    if (incremental) {
      return meanC[0] + meanC[1];
    }
    return sumC[0] / count + sumC[1] / count;
  }

  static double variance(double[] v, int lo, int hi) {
    double count = 0;
    double[] mean = new double[2];
    double[] aux = new double[2];
    for (int i = lo; i < hi; i++) {
      count++;
      double delta = v[i] - (mean[0] + mean[1]);
      kahanInc(delta / count, mean);
      kahanInc(delta * (v[i] - (mean[0] + mean[1])), aux);
    }
    return (aux[0] + aux[1]) / count;
  }

  /** Prometheus's quantile over values: NaN sorts first; q outside [0,1] gives ±Inf. Sorts {@code values}. */
  static double quantile(double q, double[] values) {
    int n = values.length;
    if (n == 0 || Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    sortNaNFirst(values);
    double rank = q * (n - 1);
    double lower = Math.max(0, Math.floor(rank));
    double upper = Math.min(n - 1, lower + 1);
    double weight = rank - Math.floor(rank);
    return values[(int) lower] * (1 - weight) + values[(int) upper] * weight;
  }

  static void sortNaNFirst(double[] values) {
    Arrays.sort(values);
    int nan = 0;
    for (int i = values.length - 1; i >= 0 && Double.isNaN(values[i]); i--) {
      nan++;
    }
    if (nan > 0) {
      System.arraycopy(values, 0, values, nan, values.length - nan);
      Arrays.fill(values, 0, nan, Double.NaN);
    }
  }

  /** Prometheus's extrapolatedRate for rate/increase/delta. */
  private static double extrapolatedRate(RangeWindow w, boolean isCounter, boolean isRate) {
    int n = w.count();
    if (n < 2) {
      return Evaluator.ABSENT;
    }
    long[] ts = w.timestampsMs;
    double[] v = w.values;
    int lo = w.lo;
    int hi = w.hi;
    long rangeEndMs = w.endMs;
    long rangeMs = w.rangeMs;
    long rangeStartMs = rangeEndMs - rangeMs;
    long firstT = ts[lo];
    long lastT = ts[hi - 1];
    double result = v[hi - 1] - v[lo];
    if (isCounter) {
      double prev = v[lo];
      for (int i = lo + 1; i < hi; i++) {
        if (v[i] < prev) {
          result += prev;
        }
        prev = v[i];
      }
    }
    double durationToStart = (firstT - rangeStartMs) / 1000.0;
    double durationToEnd = (rangeEndMs - lastT) / 1000.0;
    double sampledInterval = (lastT - firstT) / 1000.0;
    double averageDurationBetweenSamples = sampledInterval / (n - 1);
    double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    double extrapolateToInterval = sampledInterval;
    if (durationToStart >= extrapolationThreshold) {
      durationToStart = averageDurationBetweenSamples / 2;
    }
    if (isCounter && result > 0 && v[lo] >= 0) {
      double durationToZero = sampledInterval * (v[lo] / result);
      if (durationToZero < durationToStart) {
        durationToStart = durationToZero;
      }
    }
    extrapolateToInterval += durationToStart;
    if (durationToEnd >= extrapolationThreshold) {
      durationToEnd = averageDurationBetweenSamples / 2;
    }
    extrapolateToInterval += durationToEnd;
    double factor = extrapolateToInterval / sampledInterval;
    if (isRate) {
      factor /= rangeMs / 1000.0;
    }
    return result * factor;
  }

  private static double instantValue(RangeWindow w, boolean isRate) {
    if (w.count() < 2) {
      return Evaluator.ABSENT;
    }
    long[] ts = w.timestampsMs;
    double[] v = w.values;
    int hi = w.hi;
    double last = v[hi - 1];
    double prev = v[hi - 2];
    double result = last - prev;
    if (isRate && last < prev) {
      result = last;
    }
    long interval = ts[hi - 1] - ts[hi - 2];
    if (interval == 0) {
      return Evaluator.ABSENT;
    }
    if (isRate) {
      result /= interval / 1000.0;
    }
    return result;
  }

  /** Returns {slope, intercept} with x in seconds relative to {@code interceptMs}. */
  private static double[] linearRegression(RangeWindow w, long interceptMs) {
    long[] ts = w.timestampsMs;
    double[] v = w.values;
    int lo = w.lo;
    int hi = w.hi;
    double n = 0;
    double[] sumX = new double[2];
    double[] sumY = new double[2];
    double[] sumXY = new double[2];
    double[] sumX2 = new double[2];
    double initY = v[lo];
    boolean constY = true;
    for (int i = lo; i < hi; i++) {
      if (constY && i > lo && v[i] != initY) {
        constY = false;
      }
      n++;
      double x = (ts[i] - interceptMs) / 1e3;
      kahanInc(x, sumX);
      kahanInc(v[i], sumY);
      kahanInc(x * v[i], sumXY);
      kahanInc(x * x, sumX2);
    }
    if (constY) {
      if (Double.isInfinite(initY)) {
        return new double[] {Double.NaN, Double.NaN};
      }
      return new double[] {0, initY};
    }
    double sx = sumX[0] + sumX[1];
    double sy = sumY[0] + sumY[1];
    double sxy = sumXY[0] + sumXY[1];
    double sx2 = sumX2[0] + sumX2[1];
    double covXY = sxy - sx * sy / n;
    double varX = sx2 - sx * sx / n;
    double slope = covXY / varX;
    double intercept = sy / n - slope * sx / n;
    return new double[] {slope, intercept};
  }

  /** {@code double_exponential_smoothing(v, sf, tf)}: the smoothing factor is argument 1, the trend factor 2. */
  static double doubleExponentialSmoothing(RangeWindow w) {
    int l = w.count();
    if (l < 2) {
      return Evaluator.ABSENT;
    }
    double[] v = w.values;
    int lo = w.lo;
    double sf = w.scalarArg(1);
    double tf = w.scalarArg(2);
    double s0 = 0;
    double s1 = v[lo];
    double b = v[lo + 1] - v[lo];
    for (int i = 1; i < l; i++) {
      double x = sf * v[lo + i];
      if (i > 1) {
        b = tf * (s1 - s0) + (1 - tf) * b;
      }
      double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  }
}
