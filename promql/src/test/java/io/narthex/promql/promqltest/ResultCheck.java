package io.narthex.promql.promqltest;

import static io.narthex.promql.promqltest.SeriesLines.parseSeriesLine;
import static io.narthex.promql.promqltest.SeriesLines.parseValue;

import io.narthex.promql.Matrix;
import io.narthex.promql.RangeSeries;
import io.narthex.promql.Sample;
import io.narthex.promql.Scalar;
import io.narthex.promql.StringValue;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.promql.promqltest.SeriesLines.ParsedSeries;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compares a query result with the expected lines of an eval command, as Prometheus's promqltest does. */
final class ResultCheck {
  private ResultCheck() {}

  /** The query of an eval command and its expected result. */
  static final class Query {
    boolean range;
    String expr;
    long startMs;
    long endMs;
    long stepMs;
    boolean ordered;
    String expectString;
    long[] expectRange;
    final List<String> resultLines = new ArrayList<>();
  }

  static boolean almostEqual(double expected, double actual) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (expected == actual) {
      return true;
    }
    double absSum = Math.abs(expected) + Math.abs(actual);
    double diff = Math.abs(expected - actual);
    if (expected == 0 || actual == 0 || absSum < Double.MIN_NORMAL) {
      return diff < 1e-6 * Double.MIN_NORMAL;
    }
    return diff / Math.min(absSum, Double.MAX_VALUE) < 1e-6;
  }

  /** Returns null when the result matches, else a description of the difference. */
  static String compare(Value value, Query q) {
    List<String> lines = q.resultLines;
    if (q.expectString != null) {
      if (value instanceof StringValue sv && sv.value().equals(q.expectString)) {
        return null;
      }
      return "expected string " + q.expectString + ", got " + value;
    }
    if (value instanceof Scalar s) {
      if (lines.size() != 1) {
        return "got scalar " + s.value() + ", expected " + lines;
      }
      double want = parseValue(lines.get(0).trim());
      return almostEqual(want, s.value()) ? null : "scalar: want " + want + " got " + s.value();
    }
    if (value instanceof StringValue sv) {
      return "unexpected string " + sv.value();
    }
    if (value instanceof Vector v) {
      return compareVector(v, q);
    }
    return compareMatrix((Matrix) value, q);
  }

  private static String compareVector(Vector v, Query q) {
    List<String> lines = q.resultLines;
    if (q.range) {
      return "range query returned a vector";
    }
    if (v.samples().size() != lines.size()) {
      return "expected " + lines.size() + " samples, got " + v.samples().size() + ": " + v.samples();
    }
    Map<Labels, Integer> position = new HashMap<>();
    for (int i = 0; i < v.samples().size(); i++) {
      position.put(v.samples().get(i).labels(), i);
    }
    for (int i = 0; i < lines.size(); i++) {
      ParsedSeries ps = parseSeriesLine(lines.get(i));
      Integer at = position.get(ps.labels());
      if (at == null) {
        return "missing expected series " + ps.labels() + " in " + v.samples();
      }
      if (q.ordered && at != i) {
        return "series " + ps.labels() + " at position " + at + ", expected " + i;
      }
      Sample s = v.samples().get(at);
      if (ps.values().size() != 1 || !almostEqual(ps.values().get(0), s.value())) {
        return "series " + ps.labels() + ": want " + ps.values() + " got " + s.value();
      }
    }
    return null;
  }

  private static String compareMatrix(Matrix m, Query q) {
    List<String> lines = q.resultLines;
    long from = q.startMs;
    long step = q.stepMs;
    if (!q.range) {
      if (q.expectRange == null) {
        return "instant query returned a matrix without 'expect range vector'";
      }
      from = q.expectRange[0];
      step = q.expectRange[2];
    }
    if (q.ordered) {
      return "expected ordered result, but query returned a matrix";
    }
    for (int i = 1; i < m.series().size(); i++) {
      if (m.series().get(i - 1).labels().compareTo(m.series().get(i).labels()) > 0) {
        return "matrix results should always be sorted by labels: " + describe(m);
      }
    }
    Map<Labels, RangeSeries> byLabels = new HashMap<>();
    for (RangeSeries rs : m.series()) {
      byLabels.put(rs.labels(), rs);
    }
    if (m.series().size() != lines.size()) {
      return "expected " + lines.size() + " series, got " + m.series().size() + ": " + describe(m);
    }
    for (String line : lines) {
      ParsedSeries ps = parseSeriesLine(line);
      RangeSeries rs = byLabels.get(ps.labels());
      if (rs == null) {
        return "missing expected series " + ps.labels() + " in " + describe(m);
      }
      List<Long> wantTs = new ArrayList<>();
      List<Double> wantVals = new ArrayList<>();
      for (int k = 0; k < ps.values().size(); k++) {
        if (ps.values().get(k) != null) {
          wantTs.add(from + k * step);
          wantVals.add(ps.values().get(k));
        }
      }
      if (wantTs.size() != rs.timestampsMs().length) {
        return "series " + ps.labels() + ": want " + ps.values() + " got " + describe(rs);
      }
      for (int k = 0; k < wantTs.size(); k++) {
        if (wantTs.get(k) != rs.timestampsMs()[k] || !almostEqual(wantVals.get(k), rs.values()[k])) {
          return "series " + ps.labels() + ": want " + ps.values() + " got " + describe(rs);
        }
      }
    }
    return null;
  }

  private static String describe(Matrix m) {
    StringBuilder sb = new StringBuilder();
    for (RangeSeries rs : m.series()) {
      sb.append(describe(rs)).append("; ");
    }
    return sb.toString();
  }

  private static String describe(RangeSeries rs) {
    StringBuilder sb = new StringBuilder(rs.labels().toString()).append(" [");
    for (int i = 0; i < rs.timestampsMs().length; i++) {
      sb.append(rs.values()[i]).append('@').append(rs.timestampsMs()[i] / 1000).append("s ");
    }
    return sb.append(']').toString();
  }
}
