package io.narthex.ruler.eval;

import static io.narthex.ruler.eval.TestRuler.group;
import static io.narthex.ruler.eval.TestRuler.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import io.narthex.tsdb.labels.Labels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rule over an earlier rule's output in the same group reads this evaluation's value, as in Prometheus, which
 * commits each rule's output before the next rule runs (found by the e2e comparison with Prometheus 2.42,
 * RulerPrometheusOracleTest: Narthex's {@code max * 2} was twice the previous evaluation's {@code max}).
 */
class RuleDependenciesTest {
  private static final long T = 1_700_000_000_000L;
  private final TestRuler ruler = new TestRuler();

  @Test
  void ruleOverAnEarlierRulesRecordReadsThisEvaluationsValue() {
    Labels temperature = Labels.of("__name__", "temperature", "host", "a");
    ruler.append(temperature, T - 1500, 40);
    GroupEvaluator group = ruler.group(group("g", null, null,
        record("temperature:max", "max(temperature)"), record("temperature:max_doubled", "temperature:max * 2")));
    group.evaluate(T - 1000);
    ruler.append(temperature, T - 500, 80);

    group.evaluate(T);

    assertThat(ruler.query("temperature:max_doubled", T)).extracting(Sample::value).containsExactly(160.0);
    assertThat(ruler.pushes).as("each evaluation pushes max, then max_doubled").hasSize(4);
  }

  @Test
  void independentRulesShareOnePush() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 500, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("job:up", "sum by (job) (up)"),
        record("total:up", "sum(up)"), record("count:up", "count({__name__=\"up\"})")));

    group.evaluate(T);

    assertThat(ruler.pushes).singleElement().satisfies(push -> assertThat(push).hasSize(3));
  }

  @Test
  void failedPushBeforeADependentRuleFailsOnlyTheRulesItCarried() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 500, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("total:up", "sum(up)"),
        record("total:up:doubled", "total:up * 2")));
    ruler.pushFailure = new IllegalStateException("ingesters unavailable");

    group.evaluate(T);

    assertThat(group.rules().get(0).status().snapshot().lastError()).isEqualTo("ingesters unavailable");
    // The second rule read no total:up, so it had no output to lose.
    assertThat(group.rules().get(1).status().snapshot().health()).isEqualTo(RuleHealth.OK);
  }

  @Test
  void dependsOnEarlierOutputByMetricNameAlertsAndQueryTemplates() {
    Rule alertWithQuery = new Rule(null, "A", "vector(1)", null, null, null,
        Map.of("summary", "{{ query \"x\" | first | value }}"));
    Rule plainAlert = new Rule(null, "B", "up == 0", null, null, null, Map.of("summary", "{{ $value }}"));
    boolean[] reads = RuleDependencies.readsEarlierOutput(List.of(
        record("a:sum", "sum(up)"),
        record("b", "rate(up[5m])"),
        record("c", "a:sum + 1"),
        record("d", "count({__name__=~\"a:.*\"})"),
        record("e", "count({job=\"x\"})"),
        plainAlert,
        record("f", "count(ALERTS{alertstate=\"firing\"})"),
        alertWithQuery));

    assertThat(reads).containsExactly(false, false, true, true, true, false, true, true);
  }
}
