package io.narthex.promql.promqltest;

import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Matrix;
import io.narthex.promql.PromQLException;
import io.narthex.promql.QueryResult;
import io.narthex.promql.RangeSeries;
import io.narthex.promql.Sample;
import io.narthex.promql.Scalar;
import io.narthex.promql.StringValue;
import io.narthex.promql.Vector;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Prometheus promqltest scripts (promql/promqltest/testdata/*.test format) against the engine and a
 * {@link FakeStorage}. Each eval command is a case identified by {@code file:line}.
 */
public final class ScriptRunner {
  private static final Pattern EVAL_INSTANT =
      Pattern.compile("^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");
  private static final Pattern EVAL_RANGE =
      Pattern.compile("^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)\\s+(.+)$");
  private static final Pattern EXPECT_RANGE =
      Pattern.compile("^expect\\s+range\\s+vector\\s+from\\s+(\\S+)\\s+to\\s+(\\S+)\\s+step\\s+(\\S+)$");

  /** Outcome of one case. */
  public enum Outcome { PASS, FAIL, UNSUPPORTED }

  /** A case result with a failure reason. */
  public record CaseResult(String id, Outcome outcome, String detail) {}

  private final Engine engine = new Engine(EngineOptions.defaults());
  private final FakeStorage storage = new FakeStorage();

  public List<CaseResult> run(String fileName, String content) {
    storage.clear();
    String[] lines = content.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].trim();
      if (l.startsWith("#")) {
        l = "";
      }
      lines[i] = l;
    }
    List<CaseResult> results = new ArrayList<>();
    boolean loadUnsupported = false;
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty()) {
        continue;
      }
      String cmd = l.split("\\s+", 2)[0].toLowerCase();
      if (cmd.equals("clear")) {
        storage.clear();
        loadUnsupported = false;
      } else if (cmd.startsWith("load")) {
        long stepMs = parseDuration(l.split("\\s+")[1]);
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          i++;
          try {
            loadSeries(lines[i], stepMs);
          } catch (RuntimeException e) {
            loadUnsupported = true;
          }
        }
      } else if (cmd.startsWith("eval")) {
        int start = i;
        List<String> body = new ArrayList<>();
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          body.add(lines[++i]);
        }
        String id = fileName + ":" + (start + 1);
        CaseResult r;
        try {
          r = runEval(id, l, body);
        } catch (RuntimeException e) {
          r = new CaseResult(id, Outcome.FAIL, "runner error: " + e);
        }
        results.add(r);
      } else {
        results.add(new CaseResult(fileName + ":" + (i + 1), Outcome.UNSUPPORTED, "unknown command " + l));
      }
    }
    return results;
  }

  // ------------------------------------------------------------------ loading

  private void loadSeries(String line, long stepMs) {
    ParsedSeries ps = parseSeriesLine(line);
    for (int k = 0; k < ps.values.size(); k++) {
      Double v = ps.values.get(k);
      if (v != null) {
        storage.add(ps.labels, k * stepMs, v);
      }
    }
  }

  record ParsedSeries(Labels labels, List<Double> values) {}

  static ParsedSeries parseSeriesLine(String line) {
    int pos = 0;
    Labels.Builder b = new Labels.Builder();
    int n = line.length();
    int nameEnd = 0;
    while (nameEnd < n && line.charAt(nameEnd) != '{' && !Character.isWhitespace(line.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd > 0) {
      b.set(Labels.METRIC_NAME, line.substring(0, nameEnd));
    }
    pos = nameEnd;
    if (pos < n && line.charAt(pos) == '{') {
      pos++;
      while (true) {
        while (pos < n && (Character.isWhitespace(line.charAt(pos)) || line.charAt(pos) == ',')) {
          pos++;
        }
        if (line.charAt(pos) == '}') {
          pos++;
          break;
        }
        String name;
        if (line.charAt(pos) == '"') {
          int[] end = new int[1];
          name = unquote(line, pos, end);
          pos = end[0];
          while (pos < n && Character.isWhitespace(line.charAt(pos))) {
            pos++;
          }
          if (line.charAt(pos) != '=') {
            b.set(Labels.METRIC_NAME, name);
            continue;
          }
        } else {
          int s = pos;
          while (pos < n && line.charAt(pos) != '=' && !Character.isWhitespace(line.charAt(pos))) {
            pos++;
          }
          name = line.substring(s, pos);
        }
        while (pos < n && line.charAt(pos) != '=') {
          pos++;
        }
        pos++;
        while (pos < n && Character.isWhitespace(line.charAt(pos))) {
          pos++;
        }
        int[] end = new int[1];
        String value = unquote(line, pos, end);
        pos = end[0];
        b.set(name, value);
      }
    }
    List<Double> values = new ArrayList<>();
    String rest = line.substring(pos).trim();
    // Native histogram samples ({{...}}, optionally xN) are not supported: they become staleness markers, so
    // float selectors and functions skip them as Prometheus's float paths do.
    Matcher hm = Pattern.compile("\\{\\{[^}]*\\}\\}(?:x(\\d+))?").matcher(rest);
    StringBuilder floats = new StringBuilder();
    while (hm.find()) {
      int times = hm.group(1) == null ? 0 : Integer.parseInt(hm.group(1));
      hm.appendReplacement(floats, " stale".repeat(times + 1));
    }
    hm.appendTail(floats);
    rest = floats.toString().trim();
    if (!rest.isEmpty()) {
      for (String tok : rest.split("\\s+")) {
        expandValue(tok, values);
      }
    }
    return new ParsedSeries(b.build(), values);
  }

  private static String unquote(String s, int pos, int[] end) {
    char q = s.charAt(pos);
    StringBuilder sb = new StringBuilder();
    int i = pos + 1;
    while (s.charAt(i) != q) {
      char c = s.charAt(i);
      if (c == '\\') {
        char e = s.charAt(++i);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case '\\' -> sb.append('\\');
          case '"' -> sb.append('"');
          case '\'' -> sb.append('\'');
          case 'x' -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
            i += 2;
            while (s.startsWith("\\x", i + 1)) {
              out.write(Integer.parseInt(s.substring(i + 3, i + 5), 16));
              i += 4;
            }
            sb.append(out.toString(java.nio.charset.StandardCharsets.UTF_8));
          }
          default -> sb.append('\\').append(e);
        }
      } else {
        sb.append(c);
      }
      i++;
    }
    end[0] = i + 1;
    return sb.toString();
  }

  private static final Pattern EXPANDING = Pattern.compile("^([^x]+?)(?:([+-])([^x]+))?x(\\d+)$");

  /** Expands {@code a+bxN}, {@code a-bxN}, {@code axN}, {@code _xN}, {@code _}, {@code stale}, numbers. */
  static void expandValue(String tok, List<Double> out) {
    Matcher m = EXPANDING.matcher(tok);
    if (m.matches()) {
      String base = m.group(1);
      int times = Integer.parseInt(m.group(4));
      if (base.equals("_")) {
        for (int k = 0; k < times; k++) {
          out.add(null);
        }
        return;
      }
      if (base.equals("stale")) {
        for (int k = 0; k < times; k++) {
          out.add(StaleMarker.STALE_NAN);
        }
        return;
      }
      double start = parseValue(base);
      double inc = 0;
      if (m.group(2) != null) {
        inc = parseValue(m.group(3));
        if (m.group(2).equals("-")) {
          inc = -inc;
        }
      }
      double cur = start;
      for (int k = 0; k <= times; k++) {
        out.add(cur);
        cur += inc;
      }
      return;
    }
    switch (tok) {
      case "_" -> out.add(null);
      case "stale" -> out.add(StaleMarker.STALE_NAN);
      default -> out.add(parseValue(tok));
    }
  }

  static double parseValue(String s) {
    return switch (s.toLowerCase()) {
      case "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan" -> Double.NaN;
      default -> s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Double.parseDouble(s);
    };
  }

  static long parseDuration(String s) {
    s = s.trim();
    boolean neg = s.startsWith("-");
    if (neg) {
      s = s.substring(1);
    }
    long total = 0;
    if (s.matches("\\d+(\\.\\d+)?")) {
      total = Math.round(Double.parseDouble(s) * 1000);
    } else {
      total = io.narthex.promql.parser.Durations.parseMs(s);
    }
    return neg ? -total : total;
  }

  // ------------------------------------------------------------------ evaluation

  private CaseResult runEval(String id, String header, List<String> body) {
    for (String b : body) {
      if (b.contains("{{")) {
        return new CaseResult(id, Outcome.UNSUPPORTED, "native histogram");
      }
    }
    Matcher mi = EVAL_INSTANT.matcher(header);
    Matcher mr = EVAL_RANGE.matcher(header);
    boolean range;
    String modifier;
    String expr;
    long startMs = 0;
    long endMs = 0;
    long stepMs = 0;
    if (mr.matches()) {
      range = true;
      modifier = mr.group(1);
      startMs = parseDuration(mr.group(2));
      endMs = parseDuration(mr.group(3));
      stepMs = parseDuration(mr.group(4));
      expr = mr.group(5);
    } else if (mi.matches()) {
      range = false;
      modifier = mi.group(1);
      startMs = mi.group(2) == null ? 0 : parseDuration(mi.group(2));
      expr = mi.group(3);
    } else {
      return new CaseResult(id, Outcome.UNSUPPORTED, "unparsed eval " + header);
    }
    boolean expectFail = "fail".equals(modifier);
    boolean ordered = "ordered".equals(modifier);
    String failMsg = null;
    String failRegex = null;
    String expectString = null;
    long[] expectRange = null;
    List<String> resultLines = new ArrayList<>();
    for (String b : body) {
      if (b.startsWith("expect ")) {
        String rest = b.substring(7).trim();
        if (rest.startsWith("fail")) {
          expectFail = true;
          String r = rest.substring(4).trim();
          if (r.startsWith("msg:")) {
            failMsg = r.substring(4).trim();
          } else if (r.startsWith("regex:")) {
            failRegex = r.substring(6).trim();
          }
        } else if (rest.equals("ordered")) {
          ordered = true;
        } else if (rest.startsWith("string")) {
          String s = rest.substring(6).trim();
          expectString = s.substring(1, s.length() - 1);
        } else if (rest.startsWith("range")) {
          Matcher m = EXPECT_RANGE.matcher(b);
          if (!m.matches()) {
            return new CaseResult(id, Outcome.UNSUPPORTED, "bad expect range");
          }
          expectRange = new long[] {parseDuration(m.group(1)), parseDuration(m.group(2)), parseDuration(m.group(3))};
        }
        continue;
      }
      if (b.startsWith("expected_fail_message")) {
        expectFail = true;
        failMsg = b.substring("expected_fail_message".length()).trim();
        continue;
      }
      if (b.startsWith("expected_fail_regexp")) {
        expectFail = true;
        failRegex = b.substring("expected_fail_regexp".length()).trim();
        continue;
      }
      resultLines.add(b);
    }
    QueryResult result;
    try {
      result = range ? engine.rangeQuery(storage, expr, startMs, endMs, stepMs)
          : engine.instantQuery(storage, expr, startMs);
    } catch (PromQLException e) {
      if (!expectFail) {
        return new CaseResult(id, Outcome.FAIL, "unexpected error: " + e.getMessage());
      }
      if (failMsg != null && !failMsg.equals(e.getMessage())) {
        return new CaseResult(id, Outcome.FAIL, "error message mismatch: got '" + e.getMessage() + "' want '"
            + failMsg + "'");
      }
      if (failRegex != null && !Pattern.compile(failRegex).matcher(e.getMessage()).find()) {
        return new CaseResult(id, Outcome.FAIL, "error regex mismatch: got '" + e.getMessage() + "'");
      }
      return new CaseResult(id, Outcome.PASS, "");
    }
    if (expectFail) {
      return new CaseResult(id, Outcome.FAIL, "expected error, got " + result.value());
    }
    String problem = compare(result, range, startMs, endMs, stepMs, ordered, expectString, expectRange,
        resultLines);
    return new CaseResult(id, problem == null ? Outcome.PASS : Outcome.FAIL, problem == null ? "" : problem);
  }

  private static boolean almostEqual(double expected, double actual) {
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

  private String compare(QueryResult result, boolean range, long startMs, long endMs, long stepMs, boolean ordered,
      String expectString, long[] expectRange, List<String> lines) {
    var value = result.value();
    if (expectString != null) {
      if (value instanceof StringValue sv && sv.value().equals(expectString)) {
        return null;
      }
      return "expected string " + expectString + ", got " + value;
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
      if (range) {
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
        Integer at = position.get(ps.labels);
        if (at == null) {
          return "missing expected series " + ps.labels + " in " + v.samples();
        }
        if (ordered && at != i) {
          return "series " + ps.labels + " at position " + at + ", expected " + i;
        }
        Sample s = v.samples().get(at);
        if (ps.values.size() != 1 || !almostEqual(ps.values.get(0), s.value())) {
          return "series " + ps.labels + ": want " + ps.values + " got " + s.value();
        }
      }
      return null;
    }
    Matrix m = (Matrix) value;
    long from = startMs;
    long step = stepMs;
    if (!range) {
      if (expectRange == null) {
        return "instant query returned a matrix without 'expect range vector'";
      }
      from = expectRange[0];
      step = expectRange[2];
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
      RangeSeries rs = byLabels.get(ps.labels);
      if (rs == null) {
        return "missing expected series " + ps.labels + " in " + describe(m);
      }
      List<long[]> wantTs = new ArrayList<>();
      List<Double> wantVals = new ArrayList<>();
      for (int k = 0; k < ps.values.size(); k++) {
        if (ps.values.get(k) != null) {
          wantTs.add(new long[] {from + k * step});
          wantVals.add(ps.values.get(k));
        }
      }
      if (wantTs.size() != rs.timestampsMs().length) {
        return "series " + ps.labels + ": want " + ps.values + " got " + describe(rs);
      }
      for (int k = 0; k < wantTs.size(); k++) {
        if (wantTs.get(k)[0] != rs.timestampsMs()[k] || !almostEqual(wantVals.get(k), rs.values()[k])) {
          return "series " + ps.labels + ": want " + ps.values + " got " + describe(rs);
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
