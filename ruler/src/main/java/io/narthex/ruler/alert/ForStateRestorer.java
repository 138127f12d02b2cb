package io.narthex.ruler.alert;

import io.narthex.promql.Matrix;
import io.narthex.promql.RangeSeries;
import io.narthex.promql.Sample;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.tsdb.labels.Labels;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an alerting rule's {@code for} state after the rule's group is (re)loaded on this ruler, from the
 * {@code ALERTS_FOR_STATE} series the previous evaluations wrote, as Prometheus's {@code Group.RestoreForState} (and
 * Mimir, which also restores when a group moves between rulers). Everything is read through the tenant's
 * {@link RuleQuerier}, that is the querier's read path, so it finds what any ruler wrote.
 *
 * <ol>
 *   <li>Rules whose {@code for} is shorter than {@code -ruler.for-grace-period} are not restored.
 *   <li>{@code ALERTS_FOR_STATE{alertname="<rule>", <rule labels>}[<outage tolerance>]} at the restore instant gives,
 *       per series, its last sample: when it was written and the {@code activeAt} it held. The selector leaves out rule
 *       labels that are templates (Prometheus selects on them as written, so it never restores such rules); the
 *       series' labels without {@code __name__} must then equal an alert's labels exactly.
 *   <li>PromQL hides staleness markers, so a series whose alert ended (the ruler wrote a marker after its last sample)
 *       is told apart by one instant query at {@code last sample + lookback delta - 1ms}: there the marker, if written
 *       within the lookback delta, hides the series.
 * </ol>
 *
 * <p>A query that fails leaves the rule marked restored with the state of its first evaluation, as Prometheus does:
 * there is no second attempt.
 */
final class ForStateRestorer {
  private static final Logger log = LoggerFactory.getLogger(ForStateRestorer.class);

  /**
   * @param outageToleranceMs {@code -ruler.for-outage-tolerance}: how far back to look for the series
   * @param gracePeriodMs {@code -ruler.for-grace-period}
   * @param lookbackDeltaMs the querier's {@code -querier.lookback-delta}
   */
  record Settings(long outageToleranceMs, long gracePeriodMs, long lookbackDeltaMs) {}

  private ForStateRestorer() {}

  static void restore(AlertingRule rule, String tenant, RuleQuerier querier, long restoreTimeMs, Settings settings) {
    if (rule.holdDurationMs() < settings.gracePeriodMs()) {
      rule.markRestored();
      return;
    }
    String selector = selector(rule);
    Map<Labels, AlertingRule.ForStateSample> last = new HashMap<>();
    try {
      Value value = querier.query(tenant, selector + "[" + settings.outageToleranceMs() + "ms]", restoreTimeMs);
      if (!(value instanceof Matrix matrix)) {
        throw new IllegalStateException("range selector gave " + value.getClass().getSimpleName());
      }
      Map<Long, Set<Labels>> byLastTimestamp = new TreeMap<>();
      for (RangeSeries series : matrix.series()) {
        int n = series.timestampsMs().length;
        if (n == 0) {
          continue;
        }
        Labels labels = series.labels().withoutMetricName();
        long timestampMs = series.timestampsMs()[n - 1];
        last.put(labels, new AlertingRule.ForStateSample(timestampMs, series.values()[n - 1]));
        byLastTimestamp.computeIfAbsent(timestampMs, t -> new HashSet<>()).add(labels);
      }
      for (Map.Entry<Long, Set<Labels>> entry : byLastTimestamp.entrySet()) {
        long at = Math.min(restoreTimeMs, entry.getKey() + settings.lookbackDeltaMs() - 1);
        Set<Labels> live = new HashSet<>();
        for (Sample sample : RuleQuerier.asVector(querier.query(tenant, selector, at))) {
          live.add(sample.labels().withoutMetricName());
        }
        for (Labels labels : entry.getValue()) {
          if (!live.contains(labels)) {
            last.remove(labels);
          }
        }
      }
    } catch (Exception e) {
      log.error("failed to restore 'for' state user={} alertname={} err=\"{}\"", tenant, rule.name(), e.toString());
      rule.markRestored();
      return;
    }
    rule.restoreForState(last, restoreTimeMs, settings.gracePeriodMs());
  }

  /** {@code ALERTS_FOR_STATE{alertname="...", <rule labels that are not templates>}}. */
  static String selector(AlertingRule rule) {
    StringBuilder selector = new StringBuilder(AlertingRule.ALERTS_FOR_STATE_METRIC).append("{");
    selector.append(AlertingRule.ALERT_NAME_LABEL).append("=\"");
    Labels.escape(rule.name(), selector);
    selector.append('"');
    Labels labels = rule.labels();
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.name(i);
      if (labels.value(i).contains("{{") || name.equals(AlertingRule.ALERT_NAME_LABEL)
          || name.equals(Labels.METRIC_NAME)) {
        continue;
      }
      selector.append(',').append(name).append("=\"");
      Labels.escape(labels.value(i), selector);
      selector.append('"');
    }
    return selector.append('}').toString();
  }
}
