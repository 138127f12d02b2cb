package io.narthex.ruler;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * One recording or alerting rule, as Prometheus's {@code rulefmt.Rule}: exactly one of {@code record} and
 * {@code alert}, a PromQL {@code expr}, and for alerts {@code for}, {@code keep_firing_for} and annotations. Durations
 * are kept as written (Prometheus syntax, e.g. {@code 5m}); {@link RuleValidator} checks them. Absent fields are null.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
public record Rule(
    String record,
    String alert,
    String expr,
    @JsonProperty("for") String forDuration,
    @JsonProperty("keep_firing_for") String keepFiringFor,
    Map<String, String> labels,
    Map<String, String> annotations) {

  /** The rule's name: its {@code alert} when set, else its {@code record} (empty when neither is). */
  @JsonIgnore
  public String name() {
    if (alert != null && !alert.isEmpty()) {
      return alert;
    }
    return record == null ? "" : record;
  }
}
