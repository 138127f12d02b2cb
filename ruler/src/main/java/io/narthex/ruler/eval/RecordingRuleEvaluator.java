package io.narthex.ruler.eval;

import io.narthex.promql.Sample;
import io.narthex.ruler.Rule;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recording rule, as Prometheus's {@code RecordingRule.Eval}: the expression's vector (or scalar) at the query
 * instant, each series renamed to the rule's {@code record} and given the rule's labels (an empty value removes the
 * label). A result with two series of the same labels afterwards, or with more series than the group's
 * {@code limit}, fails and writes nothing.
 */
public final class RecordingRuleEvaluator implements RuleEvaluator {
  private final Rule rule;
  private final Map<String, String> labels;
  private final RuleStatus status = new RuleStatus();

  /** @param labels the rule's labels with the group's merged in */
  public RecordingRuleEvaluator(Rule rule, Map<String, String> labels) {
    if (rule.record() == null || rule.record().isEmpty()) {
      throw new IllegalArgumentException("not a recording rule: " + rule.name());
    }
    this.rule = rule;
    this.labels = labels;
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

  @Override
  public List<Sample> evaluate(EvaluationInstant at, RuleQuerier querier) throws RuleEvaluationException {
    List<Sample> result = querier.queryRule(at, rule.expr());
    List<Sample> out = new ArrayList<>(result.size());
    Set<Labels> seen = new HashSet<>(result.size() * 2);
    for (Sample sample : result) {
      Labels.Builder builder = sample.labels().toBuilder().set(Labels.METRIC_NAME, rule.record());
      labels.forEach(builder::set);
      Labels renamed = builder.build();
      if (!seen.add(renamed)) {
        throw new RuleEvaluationException("vector contains metrics with the same labelset after applying rule labels");
      }
      out.add(new Sample(renamed, at.queryTimestampMs(), sample.value()));
    }
    if (at.limit() > 0 && out.size() > at.limit()) {
      throw new RuleEvaluationException("exceeded limit of " + at.limit() + " with " + out.size() + " series");
    }
    return out;
  }
}
