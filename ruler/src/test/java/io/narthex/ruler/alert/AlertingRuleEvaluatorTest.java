package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.eval.GroupEvaluator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Alerting rules in a group's evaluation over a real TSDB head and the real PromQL engine: what a rule writes is what
 * the restore of the next ruler reads. Each "ruler" is a fresh group evaluator with fresh alerting rules.
 */
class AlertingRuleEvaluatorTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_700_000_000_000L;
  private static final Labels ERRORS = Labels.of("__name__", "errors", "job", "api");

  private final RulerFixture fixture = new RulerFixture();
  private final RuleGroup group = new RuleGroup("alerts", "1m", null, null, null, null, null, null,
      List.of(new Rule(null, "HighErrors", "errors > 5", "10m", null, Map.of("severity", "page"), null)));

  /** The errors series above the threshold at each minute in [fromMinute, toMinute], 0 at the others up to 20. */
  private void errorsHighDuring(int fromMinute, int toMinute) {
    for (int minute = 0; minute <= 20; minute++) {
      fixture.append(ERRORS, T0 + minute * MINUTE, minute >= fromMinute && minute <= toMinute ? 9 : 0);
    }
  }

  private GroupEvaluator startRuler() {
    return fixture.startRuler(group);
  }

  private static AlertingRule alertingRule(GroupEvaluator ruler) {
    return RulerFixture.alertingRule(ruler, 0);
  }

  private static Alert only(GroupEvaluator ruler) {
    List<Alert> alerts = alertingRule(ruler).currentAlerts();
    assertThat(alerts).hasSize(1);
    return alerts.getFirst();
  }

  @Test
  void restartedRulerFiresAtTheOriginalActiveAtPlusFor() {
    errorsHighDuring(0, 20);
    GroupEvaluator first = startRuler();
    for (int minute = 0; minute <= 2; minute++) {
      first.evaluate(T0 + minute * MINUTE);
    }
    assertThat(only(first).activeAtMs()).isEqualTo(T0);

    GroupEvaluator restarted = startRuler();
    restarted.evaluate(T0 + 4 * MINUTE);
    assertThat(only(restarted).activeAtMs()).isEqualTo(T0);
    for (int minute = 5; minute <= 9; minute++) {
      restarted.evaluate(T0 + minute * MINUTE);
    }
    assertThat(only(restarted).state()).isEqualTo(AlertState.PENDING);
    int before = fixture.pushes.size();
    restarted.evaluate(T0 + 10 * MINUTE);
    assertThat(only(restarted).state()).isEqualTo(AlertState.FIRING);
    // The output's push: the pending series' staleness markers follow in their own.
    assertThat(fixture.pushes.get(before)).contains(new Sample(Labels.of("__name__", "ALERTS", "alertname", "HighErrors",
        "alertstate", "firing", "job", "api", "severity", "page"), T0 + 10 * MINUTE, 1));
  }

  @Test
  void alertThatEndedBeforeTheRestartIsNotRestored() {
    errorsHighDuring(0, 2);
    fixture.append(ERRORS, T0 + 21 * MINUTE, 9);
    GroupEvaluator first = startRuler();
    for (int minute = 0; minute <= 3; minute++) {
      first.evaluate(T0 + minute * MINUTE);
    }
    assertThat(alertingRule(first).currentAlerts()).isEmpty();

    GroupEvaluator restarted = startRuler();
    restarted.evaluate(T0 + 21 * MINUTE);
    assertThat(only(restarted).activeAtMs()).as("its for clock starts again").isEqualTo(T0 + 21 * MINUTE);
  }

  @Test
  void alertsSeriesGoStaleWhenTheAlertEnds() {
    errorsHighDuring(0, 11);
    GroupEvaluator ruler = startRuler();
    for (int minute = 0; minute <= 12; minute++) {
      ruler.evaluate(T0 + minute * MINUTE);
    }
    Labels pending = Labels.of("__name__", "ALERTS", "alertname", "HighErrors", "alertstate", "pending", "job", "api",
        "severity", "page");
    Labels firing = pending.toBuilder().set("alertstate", "firing").build();
    Labels forState = pending.toBuilder().set("__name__", "ALERTS_FOR_STATE").delete("alertstate").build();
    assertThat(staleAt(T0 + 10 * MINUTE)).as("pending ends when it fires").containsExactly(pending);
    assertThat(staleAt(T0 + 12 * MINUTE)).containsExactlyInAnyOrder(firing, forState);
  }

  @Test
  void rulesApiSeesTheRulesStateAndItsActiveAlerts() {
    errorsHighDuring(0, 20);
    GroupEvaluator ruler = startRuler();
    AlertingRuleEvaluator rule = (AlertingRuleEvaluator) ruler.rules().getFirst();
    assertThat(rule.state()).as("before the first evaluation, as Prometheus 2.x").isEqualTo("inactive");
    ruler.evaluate(T0);
    assertThat(rule.state()).isEqualTo("pending");
    assertThat(rule.alerts()).containsExactly(new io.narthex.ruler.eval.AlertingRuleState.ApiAlert(
        Map.of("alertname", "HighErrors", "job", "api", "severity", "page"), Map.of(), "pending", T0, 0, 9));
  }

  private List<Labels> staleAt(long timestampMs) {
    return fixture.pushes.stream().flatMap(List::stream)
        .filter(s -> s.timestampMs() == timestampMs && StaleMarker.isStale(s.value())).map(Sample::labels).toList();
  }
}
