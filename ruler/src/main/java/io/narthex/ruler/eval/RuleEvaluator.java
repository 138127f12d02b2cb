package io.narthex.ruler.eval;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import java.util.List;
import java.util.Map;

/**
 * One rule's evaluation at one instant, as Prometheus's {@code rules.Rule.Eval}. {@link GroupEvaluator} calls
 * {@link #evaluate} for each rule of a group in order, records the outcome in {@link #status()}, writes staleness
 * markers and pushes the output. Recording rules are {@link RecordingRuleEvaluator}; alerting rules get theirs from
 * {@link RuleEvaluators}.
 */
public interface RuleEvaluator {
  /** The rule as configured. */
  Rule rule();

  /**
   * The rule's labels with the group's merged in (the rule's win), sorted by name; an empty value removes that label
   * from the output series, as in Prometheus.
   */
  Map<String, String> labels();

  /**
   * The rule's output at {@code at}: samples stamped {@code at.queryTimestampMs()}.
   *
   * @throws RuleEvaluationException when the query fails, the output has duplicate series, or it exceeds
   *     {@code at.limit()} (then nothing of it is written)
   */
  List<Sample> evaluate(EvaluationInstant at, RuleQuerier querier) throws RuleEvaluationException;

  /** Health, last error and timings, for {@code /api/v1/rules}. */
  RuleStatus status();

  /** False for a rule that is shown but never evaluated: its health stays {@link RuleHealth#UNKNOWN}. */
  default boolean evaluates() {
    return true;
  }

  /**
   * Takes over the state of the same rule in the group's previous version when the group is reloaded (Prometheus's
   * {@code CopyState}); alerting rules copy their active alerts here.
   */
  default void copyStateFrom(RuleEvaluator previous) {
    status().copyFrom(previous.status());
  }
}
