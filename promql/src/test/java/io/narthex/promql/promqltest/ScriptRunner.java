package io.narthex.promql.promqltest;

import static io.narthex.promql.promqltest.SeriesLines.parseDuration;
import static io.narthex.promql.promqltest.SeriesLines.parseSeriesLine;

import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Matrix;
import io.narthex.promql.PromQLException;
import io.narthex.promql.QueryResult;
import io.narthex.promql.RangeSeries;
import io.narthex.promql.Sample;
import io.narthex.promql.Scalar;
import io.narthex.promql.Vector;
import io.narthex.promql.promqltest.SeriesLines.ParsedSeries;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Prometheus promqltest scripts (promql/promqltest/testdata/*.test format) against the engine and a
 * {@link FakeStorage}. Each eval command is a case identified by {@code file:line}. Besides the result, the expected
 * failure ({@code expect fail msg:/regex:}, {@code eval_fail}) and annotations ({@code expect warn|info|no_warn|
 * no_info}, {@code eval_warn}, {@code eval_info}) are checked as Prometheus's promqltest does.
 */
public final class ScriptRunner {
  private static final Pattern EVAL_INSTANT =
      Pattern.compile("^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");
  private static final Pattern EVAL_RANGE =
      Pattern.compile("^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)\\s+(.+)$");
  private static final Pattern EXPECT =
      Pattern.compile("^expect\\s+(ordered|fail|warn|no_warn|info|no_info)(?:\\s+(regex|msg):(.+))?$");
  private static final Pattern EXPECT_RANGE =
      Pattern.compile("^expect\\s+range\\s+vector\\s+from\\s+(\\S+)\\s+to\\s+(\\S+)\\s+step\\s+(\\S+)$");

  /** Outcome of one case. */
  public enum Outcome { PASS, FAIL }

  /**
   * A case result with a failure reason; {@code nativeHistogram} tells that the case involves native histograms
   * (its expectation uses {@code {{...}}} or its query selected series that hold native-histogram samples).
   */
  public record CaseResult(String id, Outcome outcome, String detail, boolean nativeHistogram) {}

  /** An expected annotation or error: an exact message or a regex (null for both means "any"). */
  record Expectation(String message, Pattern regex) {
    boolean matches(String s) {
      if (regex != null) {
        return regex.matcher(s).find();
      }
      return message == null || message.equals(s);
    }
  }

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
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty()) {
        continue;
      }
      String cmd = l.split("\\s+", 2)[0].toLowerCase();
      if (cmd.equals("clear")) {
        storage.clear();
      } else if (cmd.startsWith("load")) {
        boolean withNhcb = cmd.equals("load_with_nhcb");
        long stepMs = parseDuration(l.split("\\s+")[1]);
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          i++;
          try {
            loadSeries(lines[i], stepMs, withNhcb);
          } catch (RuntimeException e) {
            // Unsupported load syntax (e.g. @st start-timestamp lines): the series is left out.
          }
        }
      } else if (cmd.startsWith("eval")) {
        int start = i;
        List<String> body = new ArrayList<>();
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          body.add(lines[++i]);
        }
        String id = fileName + ":" + (start + 1);
        storage.resetHistogramSelected();
        CaseResult r;
        try {
          r = runEval(id, l, body);
        } catch (RuntimeException e) {
          r = new CaseResult(id, Outcome.FAIL, "runner error: " + e, false);
        }
        boolean nh = r.nativeHistogram() || storage.histogramSelected();
        results.add(new CaseResult(r.id(), r.outcome(), r.detail(), nh));
      } else {
        results.add(new CaseResult(fileName + ":" + (i + 1), Outcome.FAIL, "unknown command " + l, false));
      }
    }
    return results;
  }

  private void loadSeries(String line, long stepMs, boolean withNhcb) {
    ParsedSeries ps = parseSeriesLine(line);
    if (ps.nativeHistogram()) {
      storage.markHistogram(ps.labels());
    }
    if (withNhcb) {
      // load_with_nhcb also stores each classic histogram as a native histogram with custom buckets under the
      // base name; those series are not loaded here, only recorded so that cases selecting them are flagged.
      String name = ps.labels().get(Labels.METRIC_NAME);
      for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
        if (name != null && name.endsWith(suffix)) {
          Labels.Builder b = new Labels.Builder();
          ps.labels().forEach((k, v) -> {
            if (!k.equals("le")) {
              b.set(k, v);
            }
          });
          b.set(Labels.METRIC_NAME, name.substring(0, name.length() - suffix.length()));
          storage.markHistogram(b.build());
        }
      }
    }
    for (int k = 0; k < ps.values().size(); k++) {
      Double v = ps.values().get(k);
      if (v != null) {
        storage.add(ps.labels(), k * stepMs, v);
      }
    }
  }

  // ------------------------------------------------------------------ evaluation

  private CaseResult runEval(String id, String header, List<String> body) {
    boolean nativeHistogram = false;
    for (String b : body) {
      if (b.contains("{{")) {
        nativeHistogram = true;
      }
    }
    Matcher mi = EVAL_INSTANT.matcher(header);
    Matcher mr = EVAL_RANGE.matcher(header);
    ResultCheck.Query q = new ResultCheck.Query();
    String modifier;
    if (mr.matches()) {
      q.range = true;
      modifier = mr.group(1);
      q.startMs = parseDuration(mr.group(2));
      q.endMs = parseDuration(mr.group(3));
      q.stepMs = parseDuration(mr.group(4));
      q.expr = mr.group(5);
    } else if (mi.matches()) {
      modifier = mi.group(1);
      q.startMs = mi.group(2) == null ? 0 : parseDuration(mi.group(2));
      q.expr = mi.group(3);
    } else {
      return new CaseResult(id, Outcome.FAIL, "unparsed eval " + header, nativeHistogram);
    }
    boolean expectWarnAny = "warn".equals(modifier);
    boolean expectInfoAny = "info".equals(modifier);
    q.ordered = "ordered".equals(modifier);
    Expectation fail = "fail".equals(modifier) ? new Expectation(null, null) : null;
    List<Expectation> warns = new ArrayList<>();
    List<Expectation> infos = new ArrayList<>();
    boolean noWarn = false;
    boolean noInfo = false;
    for (String b : body) {
      if (b.startsWith("expect range vector")) {
        Matcher m = EXPECT_RANGE.matcher(b);
        if (!m.matches()) {
          return new CaseResult(id, Outcome.FAIL, "bad expect range: " + b, nativeHistogram);
        }
        q.expectRange = new long[] {parseDuration(m.group(1)), parseDuration(m.group(2)), parseDuration(m.group(3))};
        continue;
      }
      if (b.startsWith("expect string")) {
        q.expectString = unquoteGo(b.substring("expect string".length()).trim());
        continue;
      }
      if (b.split(" ")[0].equals("expect")) {
        Matcher m = EXPECT.matcher(b);
        if (!m.matches()) {
          return new CaseResult(id, Outcome.FAIL, "bad expect line: " + b, nativeHistogram);
        }
        Expectation e = m.group(2) == null ? new Expectation(null, null)
            : m.group(2).equals("msg") ? new Expectation(m.group(3).trim(), null)
            : new Expectation(null, Pattern.compile(m.group(3).trim()));
        switch (m.group(1)) {
          case "ordered" -> q.ordered = true;
          case "fail" -> fail = e;
          case "warn" -> warns.add(e);
          case "info" -> infos.add(e);
          case "no_warn" -> noWarn = true;
          case "no_info" -> noInfo = true;
          default -> throw new IllegalStateException(m.group(1));
        }
        continue;
      }
      if (fail != null && b.startsWith("expected_fail_message")) {
        fail = new Expectation(b.substring("expected_fail_message".length()).trim(), null);
        break;
      }
      if (fail != null && b.startsWith("expected_fail_regexp")) {
        fail = new Expectation(null, Pattern.compile(b.substring("expected_fail_regexp".length()).trim()));
        break;
      }
      q.resultLines.add(b);
    }
    QueryResult result;
    try {
      result = q.range ? engine.rangeQuery(storage, q.expr, q.startMs, q.endMs, q.stepMs)
          : engine.instantQuery(storage, q.expr, q.startMs);
    } catch (PromQLException e) {
      if (fail == null) {
        return new CaseResult(id, Outcome.FAIL, "unexpected error: " + e.getMessage(), nativeHistogram);
      }
      if (!fail.matches(e.getMessage())) {
        return new CaseResult(id, Outcome.FAIL, "error mismatch: got '" + e.getMessage() + "' want "
            + (fail.message() != null ? "'" + fail.message() + "'" : "/" + fail.regex() + "/"), nativeHistogram);
      }
      return new CaseResult(id, Outcome.PASS, "", nativeHistogram);
    }
    if (fail != null) {
      return new CaseResult(id, Outcome.FAIL, "expected error, got " + result.value(), nativeHistogram);
    }
    String problem = checkAnnotations("warn", result.warnings(), expectWarnAny, warns, noWarn);
    if (problem == null) {
      problem = checkAnnotations("info", result.infos(), expectInfoAny, infos, noInfo);
    }
    if (problem == null) {
      problem = ResultCheck.compare(result.value(), q);
    }
    if (problem == null && !q.range && q.expectRange == null && q.expectString == null && !q.ordered
        && !QUERY_CONTEXT_FUNCS.matcher(q.expr).find()) {
      problem = checkInRangeMode(q, result.value() instanceof Scalar);
    }
    return new CaseResult(id, problem == null ? Outcome.PASS : Outcome.FAIL, problem == null ? "" : problem,
        nativeHistogram);
  }

  private static final Pattern QUERY_CONTEXT_FUNCS = Pattern.compile("(start|end|range|step)\\(\\)");

  /**
   * As Prometheus's promqltest does, re-runs an instant query as a range query from t-1m to t+1m and checks that its
   * middle step gives the same result.
   */
  private String checkInRangeMode(ResultCheck.Query q, boolean scalar) {
    QueryResult rr;
    try {
      rr = engine.rangeQuery(storage, q.expr, q.startMs - 60_000, q.startMs + 60_000, 60_000);
    } catch (PromQLException e) {
      return "range mode: unexpected error: " + e.getMessage();
    }
    List<Sample> samples = new ArrayList<>();
    for (RangeSeries rs : ((Matrix) rr.value()).series()) {
      for (int i = 0; i < rs.timestampsMs().length; i++) {
        if (rs.timestampsMs()[i] == q.startMs) {
          samples.add(new Sample(rs.labels(), q.startMs, rs.values()[i]));
        }
      }
    }
    String p = scalar
        ? (samples.isEmpty() ? "range mode: no scalar" : ResultCheck.compare(new Scalar(q.startMs,
            samples.get(0).value()), q))
        : ResultCheck.compare(new Vector(samples), q);
    return p == null ? null : "range mode: " + p;
  }

  /** Prometheus's checkAnnotations for one annotation type. */
  private static String checkAnnotations(String type, List<String> actual, boolean expectAny,
      List<Expectation> expected, boolean expectNone) {
    if (expectAny && actual.isEmpty()) {
      return "expected " + type + " annotations but got none";
    }
    if (expectNone && !actual.isEmpty()) {
      return "unexpected " + type + " annotations: " + actual;
    }
    if (expected.isEmpty()) {
      return null;
    }
    if (actual.isEmpty()) {
      return "expected " + type + " annotations but none were found";
    }
    for (Expectation e : expected) {
      boolean found = false;
      for (String a : actual) {
        found |= e.matches(a);
      }
      if (!found) {
        return "expected " + type + " annotation " + e + " but got " + actual;
      }
    }
    for (String a : actual) {
      boolean found = false;
      for (Expectation e : expected) {
        found |= e.matches(a);
      }
      if (!found) {
        return "unexpected " + type + " annotation '" + a + "'";
      }
    }
    return null;
  }

  /** Go's strconv.Unquote for the literals used in {@code expect string}. */
  private static String unquoteGo(String s) {
    if (s.length() >= 2 && s.charAt(0) == '`' && s.charAt(s.length() - 1) == '`') {
      return s.substring(1, s.length() - 1);
    }
    if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
      StringBuilder sb = new StringBuilder();
      for (int i = 1; i < s.length() - 1; i++) {
        char c = s.charAt(i);
        if (c == '\\' && i + 1 < s.length() - 1) {
          char e = s.charAt(++i);
          sb.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> e;
          });
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }
    throw new IllegalArgumentException("expected string literal not valid: " + s);
  }
}
