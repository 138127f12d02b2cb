package io.narthex.ruler;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.narthex.promql.parser.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A rule group, as Prometheus's {@code rulefmt.RuleGroup} plus Mimir's extensions ({@code evaluation_delay}, the
 * deprecated alias of {@code query_offset}; {@code source_tenants} for federated groups;
 * {@code align_evaluation_time_on_interval}). Durations are kept as written (Prometheus syntax); {@link RuleValidator}
 * checks them. Absent fields are null, and are left out when the group is written back as YAML.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"name", "interval", "limit", "query_offset", "evaluation_delay", "source_tenants",
    "align_evaluation_time_on_interval", "labels", "rules"})
public record RuleGroup(
    String name,
    String interval,
    Integer limit,
    @JsonProperty("query_offset") String queryOffset,
    @JsonProperty("evaluation_delay") String evaluationDelay,
    @JsonProperty("source_tenants") List<String> sourceTenants,
    @JsonProperty("align_evaluation_time_on_interval") Boolean alignEvaluationTimeOnInterval,
    Map<String, String> labels,
    List<Rule> rules) {

  /** The rules, empty rather than null. */
  @JsonIgnore
  public List<Rule> rulesOrEmpty() {
    return rules == null ? List.of() : rules;
  }

  /** The {@code source_tenants}, empty rather than null; not empty for a federated group. */
  @JsonIgnore
  public List<String> sourceTenantsOrEmpty() {
    return sourceTenants == null ? List.of() : sourceTenants;
  }

  /**
   * The group's evaluation interval: its {@code interval}, else {@code defaultInterval}
   * ({@code -ruler.evaluation-interval}); {@code 0s} means the default too, as Prometheus's {@code LoadGroups} reads
   * it.
   */
  public Duration intervalOr(Duration defaultInterval) {
    long intervalMs = interval == null || interval.isEmpty() ? 0 : Durations.parseMs(interval);
    return intervalMs <= 0 ? defaultInterval : Duration.ofMillis(intervalMs);
  }
}
