package io.narthex.ruler.alert;

import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Sample;
import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.eval.GroupEvaluator;
import io.narthex.ruler.eval.RuleEvaluators;
import io.narthex.ruler.eval.RulePusher;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.ruler.eval.RulerClock;
import io.narthex.ruler.eval.RulerMetrics;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rule groups over a real TSDB head and the real PromQL engine: rules query the head and what they write is appended
 * to it, so a ruler started later reads what an earlier one wrote. Each {@link #startRuler} is a fresh ruler: new
 * alerting rules, nothing restored.
 */
final class RulerFixture {
  static final String TENANT = "tenant-1";

  final Head head = new Head();
  final Engine engine = new Engine(EngineOptions.defaults());
  /** Every push, in order. */
  final List<List<Sample>> pushes = new ArrayList<>();
  final RuleQuerier querier = (tenant, expr, timestampMs) -> engine.instantQuery(head, expr, timestampMs).value();
  final RulePusher pusher = (tenant, samples) -> {
    pushes.add(List.copyOf(samples));
    for (Sample sample : samples) {
      head.append(head.getOrCreate(sample.labels()), sample.timestampMs(), sample.value());
    }
    return List.of();
  };

  void append(Labels labels, long timestampMs, double value) {
    head.append(head.getOrCreate(labels), timestampMs, value);
  }

  GroupEvaluator startRuler(RuleGroup group) {
    AlertingRules alerting = new AlertingRules(new AlertingRules.Settings(Duration.ofHours(1), Duration.ofMinutes(2),
        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(5)),
        (tenant, sourceTenants) -> AlertTemplateExpander.VERBATIM, new Notifiers(new Notifiers.Settings(List.of(), 10,
        Duration.ofSeconds(1), "", Map.of()), new NotifierMetrics(new PrometheusRegistry())));
    return new GroupEvaluator(TENANT, "ns", group, new GroupEvaluator.Settings(Duration.ofMinutes(1),
        Duration.ZERO, true), RuleEvaluators.recordingOnly().withAlerting(alerting), querier, pusher,
        RulerClock.SYSTEM, new RulerMetrics(new PrometheusRegistry()));
  }

  static AlertingRule alertingRule(GroupEvaluator ruler, int index) {
    return ((AlertingRuleEvaluator) ruler.rules().get(index)).alertingRule();
  }
}
