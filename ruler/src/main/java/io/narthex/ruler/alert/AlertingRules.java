package io.narthex.ruler.alert;

import io.narthex.promql.parser.Durations;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.eval.RuleEvaluator;
import io.narthex.ruler.eval.RuleEvaluators;
import io.narthex.tsdb.labels.Labels;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Makes the evaluators of alerting rules ({@link RuleEvaluators#withAlerting}): each an {@link AlertingRule} state
 * machine whose {@code for} state is restored at its first evaluation on this ruler and whose alerts go to the
 * tenant's notifier.
 */
public final class AlertingRules implements RuleEvaluators.Alerting {
  /**
   * @param forOutageTolerance {@code -ruler.for-outage-tolerance}
   * @param forGracePeriod {@code -ruler.for-grace-period}
   * @param resendDelay {@code -ruler.resend-delay}
   * @param defaultEvaluationInterval {@code -ruler.evaluation-interval}, for groups without {@code interval}
   * @param lookbackDelta the querier's {@code -querier.lookback-delta}
   */
  public record Settings(Duration forOutageTolerance, Duration forGracePeriod, Duration resendDelay,
      Duration defaultEvaluationInterval, Duration lookbackDelta) {}

  /** The template expander of a group's alerts (bound to its queries, external labels and URL). */
  @FunctionalInterface
  public interface Expanders {
    /**
     * @param sourceTenants the group's {@code source_tenants}, which template queries read when not empty
     */
    AlertTemplateExpander forGroup(String tenant, List<String> sourceTenants);
  }

  private final Settings settings;
  private final Expanders expanders;
  private final Notifiers notifiers;

  public AlertingRules(Settings settings, Expanders expanders, Notifiers notifiers) {
    this.settings = settings;
    this.expanders = expanders;
    this.notifiers = notifiers;
  }

  @Override
  public RuleEvaluator create(String tenant, String namespace, RuleGroup group, Rule rule,
      Map<String, String> labels) {
    Labels.Builder ruleLabels = Labels.EMPTY.toBuilder();
    labels.forEach(ruleLabels::set);
    Labels.Builder annotations = Labels.EMPTY.toBuilder();
    if (rule.annotations() != null) {
      rule.annotations().forEach(annotations::set);
    }
    AlertingRule alertingRule = new AlertingRule(rule.alert(), rule.expr(), durationMs(rule.forDuration()),
        durationMs(rule.keepFiringFor()), ruleLabels.build(), annotations.build(), expanders.forGroup(tenant,
            group.sourceTenantsOrEmpty()), false);
    long intervalMs = group.intervalOr(settings.defaultEvaluationInterval()).toMillis();
    return new AlertingRuleEvaluator(rule, labels, alertingRule, intervalMs, settings.resendDelay().toMillis(),
        new ForStateRestorer.Settings(settings.forOutageTolerance().toMillis(), settings.forGracePeriod().toMillis(),
            settings.lookbackDelta().toMillis()), notifiers);
  }

  private static long durationMs(String duration) {
    return duration == null || duration.isEmpty() ? 0 : Durations.parseMs(duration);
  }
}
