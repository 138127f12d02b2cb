package io.narthex.ruler.eval;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The ruler's evaluation metrics, with Mimir's names (Prometheus's {@code prometheus_rule_*} under {@code cortex_},
 * per {@code user} and {@code rule_group} = {@code <namespace>;<group>}), registered in the process's registry. Plus
 * Narthex's per-rule count of missed evaluations, which Mimir lacks (mimir#11500).
 */
public final class RulerMetrics {
  final Counter evaluations;
  final Counter evaluationFailures;
  final Counter iterations;
  final Counter iterationsMissed;
  final Counter ruleEvaluationsMissed;
  final Gauge lastDurationSeconds;
  final Gauge lastEvaluationTimestampSeconds;
  final Gauge lastEvaluationSamples;
  final Gauge intervalSeconds;
  final Gauge rules;
  final Counter writeRequests;
  final Counter writeRequestsFailed;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public RulerMetrics(PrometheusRegistry registry) {
    evaluations = counter(registry, "cortex_prometheus_rule_evaluations_total", "The total number of rule evaluations.");
    evaluationFailures = counter(registry, "cortex_prometheus_rule_evaluation_failures_total",
        "The total number of rule evaluation failures.");
    iterations = counter(registry, "cortex_prometheus_rule_group_iterations_total",
        "The total number of scheduled rule group evaluations, whether executed or missed.");
    iterationsMissed = counter(registry, "cortex_prometheus_rule_group_iterations_missed_total",
        "The total number of rule group evaluations missed due to slow rule group evaluation.");
    ruleEvaluationsMissed = counter(registry, "narthex_ruler_rule_evaluations_missed_total",
        "Rule evaluations missed because their group's evaluation overran: missed group iterations times the group's"
            + " rules.");
    lastDurationSeconds = gauge(registry, "cortex_prometheus_rule_group_last_duration_seconds",
        "The duration of the last rule group evaluation.");
    lastEvaluationTimestampSeconds = gauge(registry, "cortex_prometheus_rule_group_last_evaluation_timestamp_seconds",
        "The timestamp of the last rule group evaluation in seconds.");
    lastEvaluationSamples = gauge(registry, "cortex_prometheus_rule_group_last_evaluation_samples",
        "The number of samples returned during the last rule group evaluation.");
    intervalSeconds = gauge(registry, "cortex_prometheus_rule_group_interval_seconds",
        "The interval of a rule group.");
    rules = gauge(registry, "cortex_prometheus_rule_group_rules", "The number of rules.");
    writeRequests = Counter.builder().name("cortex_ruler_write_requests_total")
        .help("Number of write requests to ingesters.").labelNames("user").register(registry);
    writeRequestsFailed = Counter.builder().name("cortex_ruler_write_requests_failed_total")
        .help("Number of failed write requests to ingesters.").labelNames("user").register(registry);
  }

  private static Counter counter(PrometheusRegistry registry, String name, String help) {
    return Counter.builder().name(name).help(help).labelNames("user", "rule_group").register(registry);
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).labelNames("user", "rule_group").register(registry);
  }

  /** Removes a group's series from every per-group metric, once the group is gone. */
  void forgetGroup(String tenant, String ruleGroup) {
    for (Counter counter : new Counter[] {evaluations, evaluationFailures, iterations, iterationsMissed,
        ruleEvaluationsMissed}) {
      counter.remove(tenant, ruleGroup);
    }
    for (Gauge gauge : new Gauge[] {lastDurationSeconds, lastEvaluationTimestampSeconds, lastEvaluationSamples,
        intervalSeconds, rules}) {
      gauge.remove(tenant, ruleGroup);
    }
  }
}
