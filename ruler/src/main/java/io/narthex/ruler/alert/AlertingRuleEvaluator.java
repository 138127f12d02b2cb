package io.narthex.ruler.alert;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import io.narthex.ruler.eval.AlertingRuleState;
import io.narthex.ruler.eval.EvaluationInstant;
import io.narthex.ruler.eval.RuleEvaluationException;
import io.narthex.ruler.eval.RuleEvaluator;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.ruler.eval.RuleStatus;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An alerting rule in its group's evaluation, as Prometheus's {@code AlertingRule.Eval} followed by
 * {@code sendAlerts}: the query at {@code ts - query_offset}, the state machine at {@code ts}, the {@code ALERTS} and
 * {@code ALERTS_FOR_STATE} samples returned for the group to write (the group writes staleness markers for the ones
 * that stop), and the alerts due for sending handed to the tenant's notifier.
 *
 * <p>At the first evaluation after the group is loaded on this ruler, the rule's {@code for} state is restored
 * ({@link ForStateRestorer}) once the state machine has seen the current result; that evaluation writes no
 * {@code ALERTS}. Prometheus waits for a second evaluation, so that freshly scraped data and recording rules catch up
 * after its own restart; a ruler reads a store that kept receiving data, so Narthex restores at the first.
 */
public final class AlertingRuleEvaluator implements RuleEvaluator, AlertingRuleState {
  private final Rule rule;
  private final Map<String, String> labels;
  private final AlertingRule alertingRule;
  private final long groupIntervalMs;
  private final long resendDelayMs;
  private final ForStateRestorer.Settings restore;
  private final Notifiers notifiers;
  private final RuleStatus status = new RuleStatus();

  AlertingRuleEvaluator(Rule rule, Map<String, String> labels, AlertingRule alertingRule, long groupIntervalMs,
      long resendDelayMs, ForStateRestorer.Settings restore, Notifiers notifiers) {
    this.rule = rule;
    this.labels = labels;
    this.alertingRule = alertingRule;
    this.groupIntervalMs = groupIntervalMs;
    this.resendDelayMs = resendDelayMs;
    this.restore = restore;
    this.notifiers = notifiers;
  }

  @Override
  public Rule rule() {
    return rule;
  }

  @Override
  public Map<String, String> labels() {
    return labels;
  }

  @Override
  public RuleStatus status() {
    return status;
  }

  /** The rule's alerts and state, for the rules and alerts APIs. */
  public AlertingRule alertingRule() {
    return alertingRule;
  }

  /**
   * The greatest state of the rule's alerts; {@code inactive} also before the first evaluation, as Prometheus 2.x
   * shows it (3.x says {@code unknown}).
   */
  @Override
  public String state() {
    AlertState state = alertingRule.state();
    return (state == AlertState.UNKNOWN ? AlertState.INACTIVE : state).text();
  }

  /** The pending and firing alerts, by labels. */
  @Override
  public List<ApiAlert> alerts() {
    List<Alert> active = new ArrayList<>(alertingRule.activeAlerts());
    active.sort(Comparator.comparing(Alert::labels));
    List<ApiAlert> alerts = new ArrayList<>(active.size());
    for (Alert alert : active) {
      alerts.add(new ApiAlert(map(alert.labels()), map(alert.annotations()), alert.state().text(),
          alert.activeAtMs(), alert.keepFiringSinceMs(), alert.value()));
    }
    return alerts;
  }

  private static Map<String, String> map(Labels labels) {
    Map<String, String> map = new LinkedHashMap<>();
    labels.forEach(map::put);
    return map;
  }

  @Override
  public List<Sample> evaluate(EvaluationInstant at, RuleQuerier querier) throws RuleEvaluationException {
    List<Sample> result = querier.queryRule(at, rule.expr());
    List<Sample> output;
    try {
      output = alertingRule.eval(result, at.evalTimestampMs(), at.evalTimestampMs() - at.queryTimestampMs(),
          at.limit());
    } catch (AlertEvaluationException e) {
      throw new RuleEvaluationException(e.getMessage(), e);
    }
    if (!alertingRule.restored()) {
      ForStateRestorer.restore(alertingRule, at.tenant(), querier, at.evalTimestampMs(), restore);
    }
    notifiers.send(at.tenant(), rule.expr(),
        alertingRule.alertsToSend(at.evalTimestampMs(), resendDelayMs, groupIntervalMs));
    return output;
  }

  @Override
  public void copyStateFrom(RuleEvaluator previous) {
    RuleEvaluator.super.copyStateFrom(previous);
    if (previous instanceof AlertingRuleEvaluator alerting) {
      alertingRule.copyStateFrom(alerting.alertingRule);
    }
  }
}
