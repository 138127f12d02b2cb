package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Classic-bucket {@code histogram_quantile}, per Prometheus promql/quantile.go semantics. */
final class Histograms {
  static final double SMALL_DELTA_TOLERANCE = 1e-12;

  private Histograms() {}

  private static final class Group {
    final List<StepSeries> members = new ArrayList<>();
    final List<Double> bounds = new ArrayList<>();
    StepSeries out;
  }

  static List<StepSeries> quantile(Evaluator ev, double[] q, List<StepSeries> in, int steps) {
    Map<Labels, Group> groups = new LinkedHashMap<>();
    for (StepSeries s : in) {
      String le = s.labels.get("le");
      if (le.isEmpty()) {
        continue;
      }
      double upper;
      try {
        upper = parseLe(le);
      } catch (NumberFormatException e) {
        ev.warnings.add("bucket label \"le\" is missing or has a malformed value of \"" + le + "\"");
        continue;
      }
      Labels key = s.labels.toBuilder().delete("le").delete(Labels.METRIC_NAME).build();
      Group g = groups.computeIfAbsent(key, k -> new Group());
      g.members.add(s);
      g.bounds.add(upper);
    }
    List<StepSeries> out = new ArrayList<>();
    double[] bounds = new double[16];
    double[] counts = new double[16];
    for (Map.Entry<Labels, Group> e : groups.entrySet()) {
      Group g = e.getValue();
      StepSeries res = new StepSeries(e.getKey(), steps);
      int m = g.members.size();
      if (bounds.length < m) {
        bounds = new double[m];
        counts = new double[m];
      }
      Integer[] order = new Integer[m];
      for (int i = 0; i < m; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(g.bounds.get(a), g.bounds.get(b)));
      for (int step = 0; step < steps; step++) {
        int n = 0;
        for (int k = 0; k < m; k++) {
          StepSeries s = g.members.get(order[k]);
          if (s.present[step]) {
            bounds[n] = g.bounds.get(order[k]);
            counts[n] = s.values[step];
            n++;
          }
        }
        if (n == 0) {
          continue;
        }
        res.set(step, bucketQuantile(q[step], bounds, counts, n));
      }
      if (!res.isEmpty()) {
        out.add(res);
      }
    }
    return out;
  }

  static double parseLe(String le) {
    String l = le.trim();
    switch (l.toLowerCase(java.util.Locale.ROOT)) {
      case "+inf", "inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "nan" -> {
        return Double.NaN;
      }
      default -> {
        return Double.parseDouble(l);
      }
    }
  }

  /** Buckets sorted by upper bound ascending; arrays are modified. */
  static double bucketQuantile(double q, double[] bounds, double[] counts, int n) {
    if (Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    if (bounds[n - 1] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    // coalesce equal bounds
    int w = 0;
    for (int r = 1; r < n; r++) {
      if (bounds[r] == bounds[w]) {
        counts[w] += counts[r];
      } else {
        w++;
        bounds[w] = bounds[r];
        counts[w] = counts[r];
      }
    }
    n = w + 1;
    // ensure monotonic, ignoring small deltas
    double prev = counts[0];
    for (int i = 1; i < n; i++) {
      double curr = counts[i];
      if (curr == prev) {
        continue;
      }
      if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev) {
        counts[i] = prev;
        continue;
      }
      prev = curr;
    }
    if (n < 2) {
      return Double.NaN;
    }
    double observations = counts[n - 1];
    if (observations == 0) {
      return Double.NaN;
    }
    double rank = q * observations;
    int b = 0;
    while (b < n - 1 && !(counts[b] >= rank)) {
      b++;
    }
    if (b == n - 1) {
      return bounds[n - 2];
    }
    if (b == 0 && bounds[0] <= 0) {
      return bounds[0];
    }
    double bucketStart = 0;
    double bucketEnd = bounds[b];
    double count = counts[b];
    if (b > 0) {
      bucketStart = bounds[b - 1];
      count -= counts[b - 1];
      rank -= counts[b - 1];
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }

  static boolean almostEqual(double a, double b, double epsilon) {
    final double minNormal = Double.MIN_NORMAL;
    if (a == b) {
      return true;
    }
    double absSum = Math.abs(a) + Math.abs(b);
    double diff = Math.abs(a - b);
    if (a == 0 || b == 0 || absSum < minNormal) {
      return diff < epsilon * minNormal;
    }
    return diff / Math.min(absSum, Double.MAX_VALUE) < epsilon;
  }
}
