package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real promtool (Prometheus 2.42) as the oracle: it expands the same alert templates over the same series and
 * accepts its unit test only if every annotation equals what this engine wrote; and {@code promtool check rules}
 * rejects exactly the templates {@link PrometheusTemplates#checkSyntax} rejects, with the same message.
 */
class PromtoolOracleTest {
  private static final String ALERT = "Oracle";
  private static final long EVAL_TIME_MS = 5 * 60_000L;
  private static final double VALUE = 1234567.891;
  private static final Map<String, String> LABELS = Map.of("__name__", "node_value", "job", "api", "instance",
      "host-1.example.com:9090");
  private static final Map<String, String> EXTERNAL_LABELS = Map.of("cluster", "eu");
  private static final String EXTERNAL_URL = "http://prom.example.com/prefix";

  /**
   * Alert label and annotation templates, one a line ({@code ⏎} stands for a newline), as Prometheus 2.42 and its Go know them. Not here: the
   * functions {@code externalURL} and {@code pathPrefix}, which promtool test rules runs without a URL (a nil
   * pointer error; PrometheusTemplatesTest covers them), and Prometheus 3's {@code now} and {@code toDuration}.
   */
  private static final String EXPANDED = """
      {{ $labels.instance }} of {{ $labels.job }} is {{ $value }}; missing [{{ $labels.nope }}]
      {{ humanize $value }} {{ humanize1024 $value }} {{ humanize 0.000123 }} {{ humanize 0 }} {{ humanize1024 0.5 }} {{ humanize -2500 }}
      {{ humanizeDuration 90061 }} {{ humanizeDuration 0.12345 }} {{ humanizeDuration 59.99 }} {{ humanizeDuration -3725 }} {{ humanizeDuration 0 }} {{ humanizeDuration 1.5e-7 }}
      {{ humanizePercentage 0.1234567 }} {{ humanizeTimestamp 1435065584.128 }} {{ humanize "12345.6" }} {{ humanizeTimestamp $value }}
      {{ printf "%.2f|%5.1f|%-8s|%q|%d|%x|%e|%g|%v|%08.3f|%+d|%X|%o|%c" $value 3.14159 "ab" "a\\"b\\n" 42 255 1234.5678 0.000012346 1e6 -3.14159 5 255 8 65 }}
      {{ printf "%v %v %v %.1f %5.2f%% %.0f %.0f %.2f %T %T %T" 1e21 1e-7 123456789.0 0.05 99.5 0.5 1.5 2.675 1 1.5 "s" }}
      {{ printf "%d %s" 1 }} {{ printf "%d" 1 "x" }} {{ printf "%d|%s" 1.5 2.5 }} {{ printf "%5.3s|%-5d|%05d|%x" "abcdef" 3 -42 "hi" }}
      {{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}
      {{ if gt $value 1e6 }}big{{ else if gt $value 1000.0 }}medium{{ else }}small{{ end }} {{ with $labels.job }}job={{ . }}{{ end }}{{ with $labels.nope }}x{{ else }} no-nope{{ end }}
      {{ reReplaceAll "([^:]+):(\\\\d+)" "$2 on $1" $labels.instance }} {{ reReplaceAll "a(x*)b" "${1}W" "-ab-axxb-" }} {{ reReplaceAll "x*" "-" "abc" }} {{ reReplaceAll "(a)" "$1x$$" "ba" }} {{ match "^host" $labels.instance }}
      {{ title "hello wORLD-foo bar_baz" }} {{ toUpper "abc" }} {{ toLower "ÀBC" }}
      {{ with query `q{job="a"}` }}{{ . | first | value }} {{ (first .).Labels.zone }} {{ label "job" (first .) }}{{ end }}
      {{ range query "q" | sortByLabel "job" }}{{ .Labels.job }}:{{ .Value }} {{ end }}
      {{ with query "sum(q)" }}{{ . | first | value | humanize }}{{ end }} {{ with query `q{job="none"}` }}x{{ else }}empty{{ end }}
      {{ $externalLabels.cluster }} {{ $externalURL }} {{ graphLink "rate(x[5m]) > 0" }} {{ tableLink "up" }}
      {{ stripPort $labels.instance }} {{ stripPort "[::1]:80" }} {{ stripPort "nohost" }} {{ stripDomain $labels.instance }} {{ stripDomain "10.0.0.1:80" }} {{ stripDomain "a.b.c" }}
      {{ define "x" }}<{{ . }}>{{ end }}{{ template "x" $labels.job }}{{ block "y" 3 }}[{{ . }}]{{ end }}
      {{- /* comment */ -}} a {{- " b " -}} c {{ "d" }}   {{- 'x' }}
      {{ len $labels }} {{ index $labels "job" }} {{ slice "abcdef" 1 3 }} {{ and 1 0 }} {{ or 0 "" "x" }} {{ not true }} {{ eq $labels.job "web" "api" }} {{ ne 1 2 }} {{ le 2.5 2.5 }}
      {{ html "<b>'&'</b>" }} {{ js "it's <x>" }} {{ urlquery "a b&c" }} {{ print 1 2 "a" "b" 3 }} {{ println "x" 1 }}
      {{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }} {{ range $i, $e := args "a" 2 }}{{ $i }}={{ $e }} {{ end }}{{ (args 1 "x").arg1 }}
      {{ range $labels }}{{ if eq . "node_value" }}{{ continue }}{{ end }}{{ if eq . "api" }}{{ break }}{{ end }}{{ . }}|{{ end }}
      {{ toTime 1600000000 }} {{ toTime 1600000000.25 }} {{ parseDuration "1h30m" }} {{ parseDuration "1d2h3m4s5ms" }} {{ strvalue (first (query `q{job="a"}`)) }}|{{ safeHtml "<x>" }}
      {{ $nan := (first (query "special_nan")).Value }}{{ $inf := (first (query "special_inf")).Value }}{{ $ninf := (first (query "special_ninf")).Value }}{{ $nz := (first (query "special_nzero")).Value }}{{ printf "%v %v %v %v|%f|%.2f|%e|%g|[%5.1f][%05.1f][%+f][% f][%-6v]" $nan $inf $ninf $nz $nan $inf $ninf $nz $nan $ninf $nan $nan $inf }} {{ $nan }} {{ humanize $nan }} {{ humanizeDuration $ninf }}
      {{ printf "%v %v %v %v %v|%v %v %v %v" 100000.0 1e6 123456789.0 0.0001 0.00001 1e21 1e-7 5e-324 1.7976931348623157e308 }}
      {{ printf "%5.1f|%.2f|%.2f|%.0f|%.0f|%.1f|%f|%e|%E|%.3e|%.0e|%e" 3.14159 2.675 1.005 0.5 1.5 0.25 1.0 1234.5678 1234.5678 0.0 15.0 1e-300 }}
      {{ printf "%08.3f|%+.1f|%-8.2f|%.4g|%.4g|%.4g|%.4g|%.3g|%g|%G|%.4g|%.4g|%.4g|%.2g" -3.14159 2.0 1.5 1234.5 12345.0 1.0 0.5 1234567.0 1e100 1e-10 100.0 0.000012346 123456.0 0.0 }}
      {{ printf "%d|%5d|%-5d|%05d|%+d|% d|%x|%X|%#x|%o|%#o|%b|%c|%U|%#U|%.3d|%*d|%-*d|" 42 42 42 -42 5 5 -255 255 255 8 8 5 65 0x1F600 0x41 7 5 42 4 1 }}
      {{ printf "%-8s|%8s|%.3s|%5.2s|%x|% x|%X|%q|%+q|%#q|%#q|%q|%q" "ab" "ab" "abcdef" "abc" "hi" "hi" "hi" "a\\"b\\\\c\\n\\t\\x01é😀\\x7f" "é" "ab" "a`b" 120 "\\u00ad\\u2028" }}
      {{ printf "%d|%s|%d|%t" 1.5 3.5 "x" 1 }} {{ printf "%d %d" 1 }} {{ printf "%d" 1 "x" 2.5 }} {{ printf "%s|%v|%d" nil nil nil }} {{ printf "100%%|%" }} {{ printf "%[2]d %[1]d|%[3]d" 1 2 }}
      {{ printf "%v|%s|%d" $labels $labels (args 1 2) }} {{ printf "%v|%+v" (first (query `q{job="a"}`)) (first (query `q{job="a"}`)) }} {{ first (query `q{job="a"}`) }} {{ print 1 2 "a" "b" 3 1.5 nil }} {{ println "a" "b" 1 }}
      {{ printf "%6.2f%%|%x|%X|%o|%c|%q|%U" 99.5 -1 3054 -8 0x1F600 0x1F600 -1 }} {{ printf "%t|%v|%5t|%s" true false true true }} {{ printf "%.1f|%.1f|%.1f|%.1f" 0.05 0.15 0.25 0.35 }}
      {{ (toTime 1435065584.128).Format "2006-01-02T15:04:05.000Z07:00 Mon Monday Jan January _2 3:04:05PM pm .999 ,000 __2 002 06 1/2 -0700 -07:00 MST _2006" }} {{ (toTime 1600000000).Unix }} {{ (toTime 0).UTC }} {{ (toTime 1).Format "15:04:05.999999999" }} {{ printf "%v|%s" (toTime 1e9) (toTime 1e9) }}
      {{ humanize 1e30 }} {{ humanize 1e-30 }} {{ humanize -1e-5 }} {{ humanize 999.99999 }} {{ humanize 0.9999999 }} {{ humanize1024 1.2379400392853803e27 }} {{ humanize1024 -5000 }} {{ humanizeDuration 1e12 }} {{ humanizeDuration -0.5 }} {{ humanizeDuration 86399.9999 }} {{ humanizePercentage -0.00001 }} {{ humanizeTimestamp -1.5 }} {{ humanizeTimestamp 1e10 }} {{ humanize 0x10 }} {{ humanize "1e3" }} {{ humanize "-Inf" }} {{ humanizeDuration "NaN" }}
      {{ humanize "abc" }}
      éé⏎line {{ "two" }}⏎  ü {{⏎ humanize⏎ "x" }}
      {{ first (query `q{job="none"}`) }}
      {{ lt 1 2.5 }}
      {{ index $labels.job 10 }}
      {{ .Labels.job.x }}
      {{ template "nope" }}
      {{ humanize 1 2 }}
      {{ parseDuration "5x" }}
      {{ reReplaceAll "(" "x" "y" }}
      """;

  /**
   * Templates for check rules, one a line ({@code ⏎} stands for a newline): the broken ones must fail with promtool's
   * message, the others pass.
   */
  private static final String CHECKED = """
      {{ foo }}
      {{ $labels.x }
      {{ if }}{{ end }}
      {{ end }}
      {{ if true }}x
      {{ $nope }}
      {{ "abc }}
      x {{ .a
      {{ break }}
      {{ continue }}
      {{ 3k }}
      {{ . | 3 }}
      {{ (1 }}
      {{ template . }}
      {{ else }}
      {{ range $i, $v, $w := . }}{{ end }}
      {{ with }}{{ end }}
      {{ define "x" }}
      {{/* unclosed
      {{ 'ab' }}
      {{ $x := }}
      {{ printf "%d" 1 | }}
      {{ 1.2.3 }}
      {{ "a".b }}
      {{ range }}{{ end }}
      {{ $x = 1 }}
      {{- -}}
      {{ é }}
      {{ 1 | }}
      {{ ) }}
      {{ .a | .b }}
      {{ printf }}
      {{ humanize }}
      {{ nil }}
      {{ template "x" }}
      {{ $labels.job | humanize | printf "%s" }}
      {{ range $i, $v := $labels }}{{ $i }}{{ end }}
      {{ `unterminated }}
      {{ "\\q" }}
      {{ 0x }}
      {{ a:b }}
      {{ .a }}{{ end }}
      {{ if true }}{{ else }}{{ else }}{{ end }}
      a⏎b⏎{{ if⏎ }}
      {{ if true }}⏎x⏎{{ range⏎ . }}⏎{{ end }}
      {{⏎ "a" ⏎ | nosuch }}
      {{ "a⏎b" }}
      {{ .a⏎⏎ }
      éé {{ 3x }}
      {{ range $x, $y := . }}{{ $y }}{{ end }}{{ $x }}
      """;

  @BeforeAll
  static void needsPromtool() {
    Promtool.assumeInstalled();
  }

  private static final Map<String, List<Sample>> QUERIES = Map.of(
      "q{job=\"a\"}", List.of(new Sample(Map.of("__name__", "q", "job", "a", "zone", "z1"), 1.5)),
      "q", List.of(new Sample(Map.of("__name__", "q", "job", "b", "zone", "z2"), 0.5),
          new Sample(Map.of("__name__", "q", "job", "a", "zone", "z1"), 1.5)),
      "sum(q)", List.of(new Sample(Map.of(), 2.0)),
      "q{job=\"none\"}", List.of(),
      "special_nan", List.of(new Sample(Map.of("__name__", "special_nan"), Double.NaN)),
      "special_inf", List.of(new Sample(Map.of("__name__", "special_inf"), Double.POSITIVE_INFINITY)),
      "special_ninf", List.of(new Sample(Map.of("__name__", "special_ninf"), Double.NEGATIVE_INFINITY)),
      "special_nzero", List.of(new Sample(Map.of("__name__", "special_nzero"), -0.0)));

  /** What the rule's queries return at the evaluation time, as promtool computes them from the input series. */
  private static List<Sample> query(String expr, long evalTimestampMs) throws Exception {
    assertThat(evalTimestampMs).isEqualTo(EVAL_TIME_MS);
    List<Sample> result = QUERIES.get(expr);
    if (result == null) {
      throw new Exception("no canned result for " + expr);
    }
    return result;
  }

  private static String expandLikePrometheus(String text) {
    try {
      return PrometheusTemplates.expand("__alert_" + ALERT, text, LABELS, VALUE, EXTERNAL_LABELS, EXTERNAL_URL,
          EVAL_TIME_MS, PromtoolOracleTest::query);
    } catch (TemplateException e) {
      return "<error expanding template: " + e.getMessage() + ">";
    }
  }

  @Test
  void expandsLabelsAndAnnotationsExactlyAsPromtoolTestRules(@TempDir Path dir) throws Exception {
    List<String> templates = EXPANDED.lines().map(line -> line.replace("⏎", "\n")).toList();
    Map<String, String> annotations = new TreeMap<>();
    Map<String, String> expected = new TreeMap<>();
    for (int i = 0; i < templates.size(); i++) {
      String key = String.format("a%02d", i);
      annotations.put(key, templates.get(i));
      expected.put(key, expandLikePrometheus(templates.get(i)));
    }
    String severityTemplate = "{{ if gt $value 1000.0 }}page{{ else }}ticket{{ end }}";
    StringBuilder rules = new StringBuilder("groups:\n- name: oracle\n  rules:\n  - alert: " + ALERT
        + "\n    expr: node_value\n    labels:\n      severity: " + Promtool.yaml(severityTemplate) + "\n    annotations:\n");
    annotations.forEach((k, v) -> rules.append("      ").append(k).append(": ").append(Promtool.yaml(v)).append('\n'));
    Files.writeString(dir.resolve("rules.yml"), rules);

    Map<String, String> expectedLabels = new TreeMap<>(LABELS);
    expectedLabels.remove("__name__");
    expectedLabels.put("severity", expandLikePrometheus(severityTemplate));
    StringBuilder test = new StringBuilder("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n"
        + "- interval: 1m\n  external_labels:\n    cluster: eu\n  external_url: " + EXTERNAL_URL + "\n"
        + "  input_series:\n"
        + "  - series: 'node_value{job=\"api\",instance=\"host-1.example.com:9090\"}'\n    values: '" + VALUE + "+0x10'\n"
        + "  - series: 'q{job=\"b\",zone=\"z2\"}'\n    values: '0.5+0x10'\n"
        + "  - series: 'q{job=\"a\",zone=\"z1\"}'\n    values: '1.5+0x10'\n"
        + "  - series: 'special_nan'\n    values: 'NaN+0x10'\n"
        + "  - series: 'special_inf'\n    values: '+Inf+0x10'\n"
        + "  - series: 'special_ninf'\n    values: '-Inf+0x10'\n"
        + "  - series: 'special_nzero'\n    values: '-0 -0 -0 -0 -0 -0 -0 -0'\n"
        + "  alert_rule_test:\n  - eval_time: 5m\n    alertname: " + ALERT + "\n    exp_alerts:\n    - exp_labels:\n");
    expectedLabels.forEach((k, v) -> test.append("        ").append(k).append(": ").append(Promtool.yaml(v)).append('\n'));
    test.append("      exp_annotations:\n");
    expected.forEach((k, v) -> test.append("        ").append(k).append(": ").append(Promtool.yaml(v)).append('\n'));
    Files.writeString(dir.resolve("test.yml"), test);

    Promtool.Result result = Promtool.run(dir, "test", "rules", "test.yml");
    assertThat(result.exitCode()).as("promtool test rules says:\n%s\nour expansions:\n%s", result.output(),
        String.join("\n", expected.values())).isZero();
    // The error cases must have been expanded as errors, not skipped.
    assertThat(expected.values()).filteredOn(v -> v.startsWith("<error expanding template")).hasSize(11);
  }

  @Test
  void rejectsTheTemplatesPromtoolCheckRulesRejectsWithTheSameMessage(@TempDir Path dir) throws Exception {
    List<String> templates = CHECKED.lines().map(line -> line.replace("⏎", "\n")).toList();
    StringBuilder rules = new StringBuilder("groups:\n- name: g\n  rules:\n");
    for (int i = 0; i < templates.size(); i++) {
      rules.append("  - alert: T").append(i).append("\n    expr: vector(1)\n    annotations:\n      a: ")
          .append(Promtool.yaml(templates.get(i))).append('\n');
    }
    Files.writeString(dir.resolve("rules.yml"), rules);
    Promtool.Result result = Promtool.run(dir, "check", "rules", "rules.yml");

    Map<String, String> promtoolErrors = new LinkedHashMap<>();
    Matcher m = Pattern.compile("group \"g\", rule \\d+, \"(T\\d+)\": annotation \"a\": (.*)").matcher(result.output());
    while (m.find()) {
      promtoolErrors.put(m.group(1), m.group(2));
    }
    Map<String, String> ours = new LinkedHashMap<>();
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < templates.size(); i++) {
      try {
        PrometheusTemplates.checkSyntax("__alert_T" + i, templates.get(i));
        accepted.add("T" + i);
      } catch (TemplateException e) {
        ours.put("T" + i, e.getMessage());
      }
    }
    assertThat(ours).as("promtool check rules says:\n%s", result.output()).isEqualTo(promtoolErrors);
    assertThat(accepted).as("templates both accept").isNotEmpty();
  }
}
