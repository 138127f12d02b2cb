package io.narthex.ruler.eval;

import java.util.List;
import java.util.Map;

/**
 * What {@code /api/v1/rules} shows of an alerting rule beyond its definition and health: its state and active
 * alerts, as Prometheus's {@code AlertingRule} JSON. An alerting rule's {@link RuleEvaluator} implements this; one
 * that does not (or an alerting rule without evaluator) shows as {@code inactive} without alerts.
 */
public interface AlertingRuleState {
  /** {@code inactive}, {@code pending} or {@code firing}: the most severe of the rule's alerts. */
  String state();

  /** The rule's pending and firing alerts. */
  List<ApiAlert> alerts();

  /**
   * One alert as the API shows it.
   *
   * @param state {@code pending} or {@code firing}
   * @param activeAtMs when it became active, milliseconds since the epoch
   * @param keepFiringSinceMs since when {@code keep_firing_for} holds it firing, milliseconds; 0 when it does not
   * @param value the value of the series that made it, at the last evaluation
   */
  record ApiAlert(Map<String, String> labels, Map<String, String> annotations, String state, long activeAtMs,
      long keepFiringSinceMs, double value) {}
}
