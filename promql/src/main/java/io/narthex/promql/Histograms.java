package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Classic-bucket {@code histogram_quantile} and {@code histogram_fraction}, per Prometheus promql/quantile.go. */
final class Histograms {
  static final double SMALL_DELTA_TOLERANCE = 1e-12;

  private Histograms() {}

  private static final String MONOTONICITY_INFO = "input to histogram_quantile needed to be fixed for monotonicity "
      + "(see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";

  /** The bucket series of one classic histogram (same labels except {@code le}), sorted by upper bound. */
  private static final class Group {
    final Labels outLabels;
    final String metricName;
    StepSeries[] members = new StepSeries[4];
    double[] bounds = new double[4];
    int size;

    Group(Labels outLabels, String metricName) {
      this.outLabels = outLabels;
      this.metricName = metricName;
    }

    void add(StepSeries s, double upper) {
      if (size == members.length) {
        members = Arrays.copyOf(members, size * 2);
        bounds = Arrays.copyOf(bounds, size * 2);
      }
      int i = size++;
      while (i > 0 && bounds[i - 1] > upper) {
        members[i] = members[i - 1];
        bounds[i] = bounds[i - 1];
        i--;
      }
      members[i] = s;
      bounds[i] = upper;
    }

    /** Copies the buckets present at {@code step} into the scratch arrays; returns how many. */
    int collect(int step, double[] b, double[] c) {
      int n = 0;
      for (int k = 0; k < size; k++) {
        StepSeries s = members[k];
        if (s.present[step]) {
          b[n] = bounds[k];
          c[n] = s.values[step];
          n++;
        }
      }
      return n;
    }
  }

  /** Groups classic bucket series by their labels without {@code le}, warning about bad {@code le} labels. */
  private static List<Group> group(Evaluator ev, List<StepSeries> in, int pos) {
    Map<Labels, Group> groups = new LinkedHashMap<>();
    for (StepSeries s : in) {
      String le = s.labels.get("le");
      double upper;
      try {
        upper = parseLe(le);
      } catch (NumberFormatException e) {
        String name = s.labels.get(Labels.METRIC_NAME);
        ev.annotations.warn("bucket label \"le\" is missing or has a malformed value of \"" + le + "\""
            + (name.isEmpty() ? "" : " for metric name \"" + name + "\""), pos);
        continue;
      }
      Labels key = s.labels.toBuilder().delete("le").build();
      Group g = groups.get(key);
      if (g == null) {
        g = new Group(Evaluator.dropName(key), s.labels.get(Labels.METRIC_NAME));
        groups.put(key, g);
      }
      g.add(s, upper);
    }
    return new ArrayList<>(groups.values());
  }

  /** {@code histogram_quantile} over classic buckets. */
  static List<StepSeries> quantile(Evaluator ev, double[] q, int qPos, List<StepSeries> in, int vecPos, int steps) {
    for (int step = 0; step < steps; step++) {
      if (Double.isNaN(q[step]) || q[step] < 0 || q[step] > 1) {
        ev.annotations.warn("quantile value should be between 0 and 1, got " + Annotations.formatG(q[step]), qPos);
      }
    }
    List<Group> groups = group(ev, in, vecPos);
    List<StepSeries> out = new ArrayList<>(groups.size());
    double[] bounds = new double[16];
    double[] counts = new double[16];
    boolean[] forced = new boolean[1];
    for (Group g : groups) {
      if (bounds.length < g.size) {
        bounds = new double[g.size];
        counts = new double[g.size];
      }
      StepSeries res = new StepSeries(g.outLabels, steps);
      for (int step = 0; step < steps; step++) {
        int n = g.collect(step, bounds, counts);
        if (n == 0) {
          continue;
        }
        double qs = q[step];
        forced[0] = false;
        res.set(step, bucketQuantile(qs, bounds, counts, n, forced));
        if (forced[0]) {
          ev.annotations.info(MONOTONICITY_INFO
              + (g.metricName.isEmpty() ? "" : " for metric name \"" + g.metricName + "\""), vecPos);
        }
      }
      if (!res.isEmpty()) {
        out.add(res);
      }
    }
    return Evaluator.dedupe(out);
  }

  /** {@code histogram_fraction} over classic buckets. */
  static List<StepSeries> fraction(Evaluator ev, double[] lower, double[] upper, List<StepSeries> in, int vecPos,
      int steps) {
    List<Group> groups = group(ev, in, vecPos);
    List<StepSeries> out = new ArrayList<>(groups.size());
    double[] bounds = new double[16];
    double[] counts = new double[16];
    for (Group g : groups) {
      if (bounds.length < g.size) {
        bounds = new double[g.size];
        counts = new double[g.size];
      }
      StepSeries res = new StepSeries(g.outLabels, steps);
      for (int step = 0; step < steps; step++) {
        int n = g.collect(step, bounds, counts);
        if (n > 0) {
          res.set(step, bucketFraction(lower[step], upper[step], bounds, counts, n));
        }
      }
      if (!res.isEmpty()) {
        out.add(res);
      }
    }
    return Evaluator.dedupe(out);
  }

  /** Merges buckets with equal upper bounds (input sorted); returns the new count. */
  private static int coalesce(double[] bounds, double[] counts, int n) {
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
    return w + 1;
  }

  /** Rank of {@code v} inside a bucket; a bucket of infinite width contributes nothing to the interpolation. */
  private static double interpolate(double rank, double count, double v, double lowerBound, double upperBound) {
    if (lowerBound == Double.NEGATIVE_INFINITY) {
      return count;
    }
    if (upperBound == Double.POSITIVE_INFINITY) {
      return rank;
    }
    return rank + (count - rank) * (v - lowerBound) / (upperBound - lowerBound);
  }

  /** Prometheus's BucketFraction: the fraction of observations in (lower, upper], interpolating linearly. */
  static double bucketFraction(double lower, double upper, double[] bounds, double[] counts, int n) {
    if (bounds[n - 1] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    n = coalesce(bounds, counts, n);
    double count = counts[n - 1];
    if (count == 0 || Double.isNaN(lower) || Double.isNaN(upper)) {
      return Double.NaN;
    }
    if (lower >= upper) {
      return 0;
    }
    double rank = 0;
    double lowerRank = 0;
    double upperRank = 0;
    boolean lowerSet = false;
    boolean upperSet = false;
    double lowerBound = bounds[0] <= 0 ? Double.NEGATIVE_INFINITY : 0;
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        lowerBound = bounds[i - 1];
      }
      double upperBound = bounds[i];
      if (!lowerSet && lowerBound >= lower) {
        lowerRank = rank;
        lowerSet = true;
      }
      if (!upperSet && lowerBound >= upper) {
        upperRank = rank;
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      if (!lowerSet && lowerBound < lower && upperBound > lower) {
        lowerRank = interpolate(rank, counts[i], lower, lowerBound, upperBound);
        lowerSet = true;
      }
      if (!upperSet && lowerBound < upper && upperBound > upper) {
        upperRank = interpolate(rank, counts[i], upper, lowerBound, upperBound);
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      rank = counts[i];
    }
    if (!lowerSet || lowerRank > count) {
      lowerRank = count;
    }
    if (!upperSet || upperRank > count) {
      upperRank = count;
    }
    return (upperRank - lowerRank) / count;
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
  static double bucketQuantile(double q, double[] bounds, double[] counts, int n, boolean[] forcedMonotonic) {
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
    n = coalesce(bounds, counts, n);
    // ensure monotonic, ignoring small deltas
    double prev = counts[0];
    for (int i = 1; i < n; i++) {
      double curr = counts[i];
      if (curr == prev) {
        continue;
      }
      if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
        counts[i] = prev;
        continue;
      }
      if (curr < prev) {
        counts[i] = prev;
        forcedMonotonic[0] = true;
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
