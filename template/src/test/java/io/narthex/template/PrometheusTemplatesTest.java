package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Prometheus's template functions where promtool 2.42 cannot be the oracle (PromtoolOracleTest covers the rest):
 * Prometheus 3's {@code now} and {@code toDuration}, and {@code externalURL}/{@code pathPrefix}, which promtool runs
 * without a URL. Expected values follow Prometheus 3's template.go and template_test.go.
 */
class PrometheusTemplatesTest {
  private static final long EVAL_MS = 1_600_000_000_500L;

  private static String expand(String text) throws TemplateException {
    return PrometheusTemplates.expand("__alert_A", text, Map.of("job", "api"), 2.5, Map.of("dc", "x"),
        "https://prom.example.com:9090/some/prefix", EVAL_MS,
        (expr, ts) -> List.of(new Sample(Map.of("expr", expr, "ts", Long.toString(ts)), 1)));
  }

  @Test
  void externalUrlAndPathPrefixComeFromTheRulersUrl() throws TemplateException {
    assertThat(expand("{{ externalURL }} {{ pathPrefix }} {{ $externalURL }} {{ .ExternalURL }}"))
        .isEqualTo("https://prom.example.com:9090/some/prefix /some/prefix https://prom.example.com:9090/some/prefix "
            + "https://prom.example.com:9090/some/prefix");
  }

  @Test
  void nowIsTheEvaluationTimeInSecondsAndQueryRunsAtIt() throws TemplateException {
    assertThat(expand("{{ now }} {{ with query \"up\" }}{{ (first .).Labels.ts }}{{ end }}"))
        .isEqualTo("1.6000000005e+09 1600000000500");
  }

  @Test
  void eachExpansionOfTheSameTextUsesItsOwnTimeQueryAndUrl() throws TemplateException {
    String text = "{{ now }} {{ externalURL }} {{ with query \"x\" }}{{ . | first | value }}{{ end }}";
    String first = PrometheusTemplates.expand("__alert_A", text, Map.of(), 0, Map.of(), "http://a", 1000,
        (expr, ts) -> List.of(new Sample(Map.of(), 1)));
    String second = PrometheusTemplates.expand("__alert_A", text, Map.of(), 0, Map.of(), "http://b", 2000,
        (expr, ts) -> List.of(new Sample(Map.of(), 2)));
    assertThat(first).isEqualTo("1 http://a 1");
    assertThat(second).isEqualTo("2 http://b 2");
  }

  @Test
  void toDurationPrintsGoDurations() throws TemplateException {
    assertThat(expand("{{ toDuration 3723.5 }} {{ toDuration 0.0015 }} {{ toDuration 0 }} {{ toDuration -90 }} "
        + "{{ toDuration \"0.000002\" }} {{ parseDuration \"1m\" | toDuration }}"))
        .isEqualTo("1h2m3.5s 1.5ms 0s -1m30s 2µs 1m0s");
  }

  @Test
  void toTimeAndHumanizeTimestampRejectOrPassThroughNaN() throws TemplateException {
    assertThat(expand("{{ humanizeTimestamp \"NaN\" }} {{ humanizeTimestamp \"+Inf\" }}")).isEqualTo("NaN +Inf");
    assertThatThrownBy(() -> expand("{{ toTime \"NaN\" }}"))
        .hasMessageEndingWith("error calling toTime: value is NaN or Inf");
    assertThatThrownBy(() -> expand("{{ humanizeTimestamp 1e300 }}"))
        .hasMessageEndingWith("1e+300 cannot be represented as a nanoseconds timestamp since it overflows int64");
  }

  @Test
  void rangeOverAnIntegerCountsFromZeroAsGo122() throws TemplateException {
    assertThat(expand("{{ range $i := 3 }}{{ $i }}{{ end }}")).isEqualTo("012");
  }

  @Test
  void humanizeFunctionsAcceptNumbersAndNumericStringsOnly() throws TemplateException {
    assertThat(expand("{{ humanize 1234567 }} {{ humanize \"0.12\" }} {{ humanize1024 1048576 }} "
        + "{{ humanizePercentage 1.5 }} {{ humanizeDuration \"60.5\" }}"))
        .isEqualTo("1.235M 120m 1Mi 150% 1m 0s");
    assertThatThrownBy(() -> expand("{{ humanize true }}"))
        .hasMessageEndingWith("error calling humanize: can't convert bool to float");
  }

  @Test
  void safeHtmlAndArgsReturnGosNamedTypes() throws TemplateException {
    assertThat(expand("{{ safeHtml \"<b>\" }} {{ printf \"%d|%T\" (safeHtml \"x\") (args 1) }} {{ eq (safeHtml \"x\") \"x\" }}"))
        .isEqualTo("<b> %!d(template.HTML=x)|map[string]interface {} true");
    assertThatThrownBy(() -> expand("{{ safeHtml \"x\" | toUpper }}"))
        .hasMessageEndingWith("wrong type for value; expected string; got template.HTML");
  }

  @Test
  void checkSyntaxReportsPositionsCountingPrometheusDefinitions() {
    assertThatThrownBy(() -> PrometheusTemplates.checkSyntax("__alert_A", "ok\n{{ nosuch }}"))
        .isInstanceOf(TemplateException.class)
        .hasMessage("template: __alert_A:2: function \"nosuch\" not defined");
  }

  @Test
  void queryErrorsFailTheExpansion() {
    assertThatThrownBy(() -> PrometheusTemplates.expand("__alert_A", "{{ query \"bad(\" }}", Map.of(), 0, Map.of(),
        "", 0, (expr, ts) -> {
          throw new IllegalArgumentException("1:5: parse error: unclosed left parenthesis");
        })).hasMessage("error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" "
            + "at <query \"bad(\">: error calling query: 1:5: parse error: unclosed left parenthesis");
  }
}
