package io.narthex.ruler.eval;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds each rule's {@link RuleEvaluator}: recording rules here; alerting rules through the {@link Alerting}
 * factory given by {@link #withAlerting} (the alert state machine of {@code io.narthex.ruler.alert}). Without one,
 * alerting rules are listed but not evaluated, and their health stays {@code unknown}.
 */
public final class RuleEvaluators {
  /** Makes an alerting rule's evaluator. */
  @FunctionalInterface
  public interface Alerting {
    /**
     * @param labels the rule's labels with the group's merged in (the rule's win)
     */
    RuleEvaluator create(String tenant, String namespace, RuleGroup group, Rule rule, Map<String, String> labels);
  }

  private final Alerting alerting;

  private RuleEvaluators(Alerting alerting) {
    this.alerting = alerting;
  }

  /** Recording rules only: alerting rules are not evaluated. */
  public static RuleEvaluators recordingOnly() {
    return new RuleEvaluators(null);
  }

  /** Alerting rules get their evaluator from {@code alerting}. */
  public RuleEvaluators withAlerting(Alerting alerting) {
    return new RuleEvaluators(alerting);
  }

  /** The evaluator of {@code rule} in {@code group}. */
  public RuleEvaluator create(String tenant, String namespace, RuleGroup group, Rule rule) {
    Map<String, String> labels = mergedLabels(group.labels(), rule.labels());
    if (rule.record() != null && !rule.record().isEmpty()) {
      return new RecordingRuleEvaluator(rule, labels);
    }
    return alerting == null ? new NotEvaluated(rule, labels) : alerting.create(tenant, namespace, group, rule, labels);
  }

  /** Group labels overridden by rule labels, as Prometheus merges them when it loads a group. */
  static Map<String, String> mergedLabels(Map<String, String> groupLabels, Map<String, String> ruleLabels) {
    Map<String, String> merged = new TreeMap<>();
    if (groupLabels != null) {
      merged.putAll(groupLabels);
    }
    if (ruleLabels != null) {
      merged.putAll(ruleLabels);
    }
    return Collections.unmodifiableMap(merged);
  }

  /** A rule listed by the API but not evaluated. */
  private record NotEvaluated(Rule rule, Map<String, String> labels, RuleStatus status) implements RuleEvaluator {
    NotEvaluated(Rule rule, Map<String, String> labels) {
      this(rule, labels, new RuleStatus());
    }

    @Override
    public List<Sample> evaluate(EvaluationInstant at, RuleQuerier querier) {
      return List.of();
    }

    @Override
    public boolean evaluates() {
      return false;
    }
  }
}
