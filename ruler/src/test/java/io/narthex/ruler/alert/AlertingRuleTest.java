package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.promql.Sample;
import io.narthex.tsdb.labels.Labels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prometheus's alerting state machine ({@code rules/alerting.go}), driven by evaluation instants, no clock. */
class AlertingRuleTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_700_000_000_000L;
  private static final Sample HIGH = series(Labels.of("__name__", "errors", "job", "api"), 7);

  private static Sample series(Labels labels, double value) {
    return new Sample(labels, T0, value);
  }

  private static AlertingRule rule(long forMs, long keepFiringForMs) {
    return new AlertingRule("HighErrors", "errors > 5", forMs, keepFiringForMs, Labels.of("severity", "page"),
        Labels.of("summary", "too many"), AlertTemplateExpander.VERBATIM, true);
  }

  private static Alert only(AlertingRule rule) {
    assertThat(rule.currentAlerts()).hasSize(1);
    return rule.currentAlerts().getFirst();
  }

  @Test
  void alertIsPendingUntilForElapsesThenFires() throws Exception {
    AlertingRule rule = rule(5 * MINUTE, 0);
    assertThat(rule.state()).isEqualTo(AlertState.UNKNOWN);
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.PENDING);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0);
    rule.eval(List.of(HIGH), T0 + 5 * MINUTE - 1, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.PENDING);
    rule.eval(List.of(HIGH), T0 + 5 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
    assertThat(only(rule).firedAtMs()).isEqualTo(T0 + 5 * MINUTE);
    assertThat(rule.state()).isEqualTo(AlertState.FIRING);
  }

  @Test
  void alertWithoutForFiresAtItsFirstEvaluation() throws Exception {
    AlertingRule rule = rule(0, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
  }

  @Test
  void alertLabelsAreSeriesLabelsWithoutNameThenRuleLabelsThenAlertname() throws Exception {
    AlertingRule rule = new AlertingRule("HighErrors", "x", 0, 0, Labels.of("severity", "page", "job", "rule-job"),
        Labels.EMPTY, AlertTemplateExpander.VERBATIM, true);
    rule.eval(List.of(series(Labels.of("__name__", "errors", "job", "api", "alertname", "other", "zone", "a"), 1)),
        T0, 0, 0);
    assertThat(only(rule).labels())
        .isEqualTo(Labels.of("alertname", "HighErrors", "job", "rule-job", "severity", "page", "zone", "a"));
  }

  @Test
  void writesAlertsAndForStateSamplesAtTheQueryOffset() throws Exception {
    AlertingRule rule = rule(5 * MINUTE, 0);
    long offset = 30_000;
    List<Sample> first = rule.eval(List.of(HIGH), T0 + 500, offset, 0);
    Labels alertLabels = Labels.of("alertname", "HighErrors", "job", "api", "severity", "page");
    assertThat(first).containsExactly(
        new Sample(Labels.of("__name__", "ALERTS", "alertname", "HighErrors", "alertstate", "pending", "job", "api",
            "severity", "page"), T0 + 500 - offset, 1),
        new Sample(Labels.of("__name__", "ALERTS_FOR_STATE", "alertname", "HighErrors", "job", "api", "severity",
            "page"), T0 + 500 - offset, T0 / 1000));
    List<Sample> fired = rule.eval(List.of(HIGH), T0 + 5 * MINUTE + 500, offset, 0);
    assertThat(fired.getFirst().labels().get("alertstate")).isEqualTo("firing");
    assertThat(fired.get(1).value()).as("activeAt in whole seconds").isEqualTo(T0 / 1000);
    assertThat(only(rule).labels()).isEqualTo(alertLabels);
  }

  @Test
  void pendingAlertIsDroppedWhenItsSeriesIsGone() throws Exception {
    AlertingRule rule = rule(5 * MINUTE, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(rule.eval(List.of(), T0 + MINUTE, 0, 0)).isEmpty();
    assertThat(rule.currentAlerts()).isEmpty();
    assertThat(rule.state()).isEqualTo(AlertState.INACTIVE);
    rule.eval(List.of(HIGH), T0 + 2 * MINUTE, 0, 0);
    assertThat(only(rule).activeAtMs()).as("the for clock starts again").isEqualTo(T0 + 2 * MINUTE);
  }

  @Test
  void resolvedAlertIsKeptFifteenMinutesThenForgotten() throws Exception {
    AlertingRule rule = rule(0, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(rule.eval(List.of(), T0 + MINUTE, 0, 0)).as("no ALERTS for a resolved alert").isEmpty();
    assertThat(only(rule).state()).isEqualTo(AlertState.INACTIVE);
    assertThat(only(rule).resolvedAtMs()).isEqualTo(T0 + MINUTE);
    assertThat(rule.activeAlerts()).isEmpty();
    rule.eval(List.of(), T0 + 16 * MINUTE, 0, 0);
    assertThat(only(rule).resolvedAtMs()).as("exactly 15m later it is still kept").isEqualTo(T0 + MINUTE);
    rule.eval(List.of(), T0 + 16 * MINUTE + 1, 0, 0);
    assertThat(rule.currentAlerts()).isEmpty();
  }

  @Test
  void resolvedAlertThatComesBackIsANewPendingAlert() throws Exception {
    AlertingRule rule = rule(MINUTE, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    rule.eval(List.of(HIGH), T0 + MINUTE, 0, 0);
    rule.eval(List.of(), T0 + 2 * MINUTE, 0, 0);
    rule.eval(List.of(HIGH), T0 + 3 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.PENDING);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0 + 3 * MINUTE);
    assertThat(only(rule).resolvedAtMs()).isZero();
  }

  @Test
  void keepFiringForHoldsAFiringAlertAfterItsSeriesIsGone() throws Exception {
    AlertingRule rule = rule(0, 2 * MINUTE);
    rule.eval(List.of(HIGH), T0, 0, 0);
    List<Sample> kept = rule.eval(List.of(), T0 + MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
    assertThat(only(rule).keepFiringSinceMs()).isEqualTo(T0 + MINUTE);
    assertThat(kept).as("a kept alert is still written").hasSize(2);
    rule.eval(List.of(), T0 + 3 * MINUTE - 1, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
    rule.eval(List.of(), T0 + 3 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.INACTIVE);
    assertThat(only(rule).resolvedAtMs()).isEqualTo(T0 + 3 * MINUTE);
  }

  @Test
  void keepFiringSinceIsClearedWhenTheSeriesReturns() throws Exception {
    AlertingRule rule = rule(0, 2 * MINUTE);
    rule.eval(List.of(HIGH), T0, 0, 0);
    rule.eval(List.of(), T0 + MINUTE, 0, 0);
    rule.eval(List.of(HIGH), T0 + 2 * MINUTE, 0, 0);
    assertThat(only(rule).keepFiringSinceMs()).isZero();
    rule.eval(List.of(), T0 + 3 * MINUTE, 0, 0);
    rule.eval(List.of(), T0 + 4 * MINUTE, 0, 0);
    assertThat(only(rule).state()).as("the 2m count restarted at 3m").isEqualTo(AlertState.FIRING);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0);
  }

  @Test
  void keepFiringForDoesNotHoldAPendingAlert() throws Exception {
    AlertingRule rule = rule(5 * MINUTE, 10 * MINUTE);
    rule.eval(List.of(HIGH), T0, 0, 0);
    rule.eval(List.of(), T0 + MINUTE, 0, 0);
    assertThat(rule.currentAlerts()).isEmpty();
  }

  @Test
  void duplicateAlertLabelsFailTheEvaluationAndKeepTheState() throws Exception {
    AlertingRule rule = rule(5 * MINUTE, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    Sample sameButName = series(Labels.of("__name__", "errors_total", "job", "api"), 9);
    assertThatThrownBy(() -> rule.eval(List.of(HIGH, sameButName), T0 + MINUTE, 0, 0))
        .isInstanceOf(AlertEvaluationException.class)
        .hasMessage("vector contains metrics with the same labelset after applying alert labels");
    assertThat(only(rule).value()).isEqualTo(7);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0);
  }

  @Test
  void templatedRuleLabelsThatCollideAreDuplicates() {
    AlertTemplateExpander constant = (templateName, text, seriesLabels, value, ts) -> "same";
    AlertingRule rule = new AlertingRule("A", "x", 0, 0, Labels.of("job", "{{ $labels.job }}"), Labels.EMPTY,
        constant, true);
    assertThatThrownBy(() -> rule.eval(List.of(HIGH, series(Labels.of("job", "db"), 1)), T0, 0, 0))
        .isInstanceOf(AlertEvaluationException.class);
  }

  @Test
  void templatesSeeTheSeriesValueAndEvaluationTime() throws Exception {
    AlertTemplateExpander echo = (templateName, text, seriesLabels, value, ts) ->
        templateName + "|" + text + "|" + seriesLabels.get("job") + "|" + value + "|" + ts;
    AlertingRule rule = new AlertingRule("A", "x", 0, 0, Labels.EMPTY, Labels.of("summary", "s"), echo, true);
    rule.eval(List.of(HIGH), T0 + 1, 1000, 0);
    assertThat(only(rule).annotations().get("summary")).isEqualTo("__alert_A|s|api|7.0|" + (T0 + 1));
  }

  @Test
  void exceedingTheGroupLimitClearsTheRulesAlertsAndFails() throws Exception {
    AlertingRule rule = rule(0, 0);
    Sample other = series(Labels.of("job", "db"), 9);
    rule.eval(List.of(HIGH, other), T0, 0, 2);
    assertThat(rule.currentAlerts()).hasSize(2);
    Sample third = series(Labels.of("job", "web"), 9);
    assertThatThrownBy(() -> rule.eval(List.of(HIGH, other, third), T0 + MINUTE, 0, 2))
        .isInstanceOf(AlertEvaluationException.class)
        .hasMessage("exceeded limit of 2 with 3 alerts");
    assertThat(rule.currentAlerts()).isEmpty();
  }

  @Test
  void resolvedAlertsDoNotCountTowardsTheLimit() throws Exception {
    AlertingRule rule = rule(0, 0);
    rule.eval(List.of(HIGH), T0, 0, 1);
    rule.eval(List.of(series(Labels.of("job", "db"), 9)), T0 + MINUTE, 0, 1);
    assertThat(rule.currentAlerts()).hasSize(2);
    assertThat(rule.activeAlerts()).hasSize(1);
  }

  @Test
  void writesNoAlertsSeriesUntilRestored() throws Exception {
    AlertingRule rule = new AlertingRule("A", "x", 0, 0, Labels.EMPTY, Labels.EMPTY, AlertTemplateExpander.VERBATIM,
        false);
    assertThat(rule.eval(List.of(HIGH), T0, 0, 0)).isEmpty();
    assertThat(only(rule).state()).as("the state machine runs meanwhile").isEqualTo(AlertState.FIRING);
    rule.markRestored();
    assertThat(rule.eval(List.of(HIGH), T0 + MINUTE, 0, 0)).hasSize(2);
  }

  @Test
  void sendsFiringAlertsOncePerResendDelayAndResolvedOnesAtOnce() throws Exception {
    AlertingRule rule = rule(MINUTE, 0);
    long resendDelay = MINUTE;
    long interval = 30_000;
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(rule.alertsToSend(T0, resendDelay, interval)).as("pending alerts are not sent").isEmpty();
    rule.eval(List.of(HIGH), T0 + MINUTE, 0, 0);
    List<Alert> sent = rule.alertsToSend(T0 + MINUTE, resendDelay, interval);
    assertThat(sent).hasSize(1);
    assertThat(sent.getFirst().validUntilMs()).isEqualTo(T0 + MINUTE + 4 * resendDelay);
    assertThat(rule.alertsToSend(T0 + 2 * MINUTE, resendDelay, interval)).as("within the resend delay").isEmpty();
    assertThat(rule.alertsToSend(T0 + 2 * MINUTE + 1, resendDelay, interval)).hasSize(1);
    rule.eval(List.of(), T0 + 2 * MINUTE + 2, 0, 0);
    List<Alert> resolved = rule.alertsToSend(T0 + 2 * MINUTE + 2, resendDelay, interval);
    assertThat(resolved).singleElement().satisfies(a -> assertThat(a.resolvedAtMs()).isEqualTo(T0 + 2 * MINUTE + 2));
  }

  @Test
  void validUntilUsesTheGroupIntervalWhenLongerThanTheResendDelay() throws Exception {
    AlertingRule rule = rule(0, 0);
    rule.eval(List.of(HIGH), T0, 0, 0);
    assertThat(rule.alertsToSend(T0, MINUTE, 5 * MINUTE).getFirst().validUntilMs()).isEqualTo(T0 + 20 * MINUTE);
  }

  private static Map<Labels, AlertingRule.ForStateSample> forState(long lastWriteMs, long activeAtMs) {
    return Map.of(Labels.of("alertname", "HighErrors", "job", "api", "severity", "page"),
        new AlertingRule.ForStateSample(lastWriteMs, activeAtMs / 1000));
  }

  private static AlertingRule unrestored(long forMs) {
    return new AlertingRule("HighErrors", "errors > 5", forMs, 0, Labels.of("severity", "page"), Labels.EMPTY,
        AlertTemplateExpander.VERBATIM, false);
  }

  @Test
  void restoredPendingAlertFiresAtItsOriginalTime() throws Exception {
    AlertingRule rule = unrestored(10 * MINUTE);
    // Pending since T0, last written at T0+3m; back at T0+5m.
    rule.eval(List.of(HIGH), T0 + 5 * MINUTE, 0, 0);
    rule.restoreForState(forState(T0 + 3 * MINUTE, T0), T0 + 5 * MINUTE, 2 * MINUTE);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0);
    rule.eval(List.of(HIGH), T0 + 10 * MINUTE - 1, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.PENDING);
    List<Sample> fired = rule.eval(List.of(HIGH), T0 + 10 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
    assertThat(fired.get(1).value()).isEqualTo(T0 / 1000);
  }

  @Test
  void restoredPendingAlertWaitsAtLeastTheGracePeriod() throws Exception {
    AlertingRule rule = unrestored(10 * MINUTE);
    rule.eval(List.of(HIGH), T0 + 9 * MINUTE, 0, 0);
    rule.restoreForState(forState(T0 + 8 * MINUTE, T0), T0 + 9 * MINUTE, 2 * MINUTE);
    rule.eval(List.of(HIGH), T0 + 11 * MINUTE - 1, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.PENDING);
    rule.eval(List.of(HIGH), T0 + 11 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
  }

  @Test
  void restoredFiringAlertFiresAtTheNextEvaluation() throws Exception {
    AlertingRule rule = unrestored(10 * MINUTE);
    rule.eval(List.of(HIGH), T0 + 30 * MINUTE, 0, 0);
    rule.restoreForState(forState(T0 + 20 * MINUTE, T0), T0 + 30 * MINUTE, 2 * MINUTE);
    rule.eval(List.of(HIGH), T0 + 31 * MINUTE, 0, 0);
    assertThat(only(rule).state()).isEqualTo(AlertState.FIRING);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0);
  }

  @Test
  void restoreMatchesAlertLabelsExactly() throws Exception {
    AlertingRule rule = unrestored(10 * MINUTE);
    rule.eval(List.of(HIGH), T0 + 5 * MINUTE, 0, 0);
    Map<Labels, AlertingRule.ForStateSample> superset = Map.of(
        Labels.of("alertname", "HighErrors", "job", "api", "severity", "page", "zone", "a"),
        new AlertingRule.ForStateSample(T0 + 3 * MINUTE, T0 / 1000));
    rule.restoreForState(superset, T0 + 5 * MINUTE, 2 * MINUTE);
    assertThat(only(rule).activeAtMs()).isEqualTo(T0 + 5 * MINUTE);
    assertThat(rule.restored()).isTrue();
  }
}
