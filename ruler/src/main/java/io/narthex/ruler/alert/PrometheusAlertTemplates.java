package io.narthex.ruler.alert;

import io.narthex.promql.Sample;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.template.PrometheusTemplates;
import io.narthex.template.TemplateException;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's alert label and annotation templates, expanded by the shared Go-template engine
 * ({@link PrometheusTemplates}) with Prometheus's variables: {@code $labels} (the result series' labels),
 * {@code $value}, {@code $externalLabels} and {@code $externalURL} ({@code -ruler.external.url}); the {@code query}
 * function runs through the tenant's {@link RuleQuerier} at the evaluation instant, over the group's source tenants
 * for a federated group (as Mimir runs template queries in the group's context). A template that fails reads
 * {@code <error expanding template: ...>}, as in Prometheus's {@code AlertingRule.Eval}.
 */
public final class PrometheusAlertTemplates implements AlertTemplateExpander {
  private final String tenant;
  private final List<String> sourceTenants;
  private final RuleQuerier querier;
  private final String externalUrl;
  private final Map<String, String> externalLabels;

  /**
   * @param externalUrl {@code -ruler.external.url}, empty when unset
   * @param externalLabels {@code $externalLabels}; Mimir's ruler has no setting for them, so Narthex passes none
   */
  public PrometheusAlertTemplates(String tenant, RuleQuerier querier, String externalUrl,
      Map<String, String> externalLabels) {
    this(tenant, List.of(), querier, externalUrl, externalLabels);
  }

  /**
   * @param sourceTenants a federated group's {@code source_tenants}, which {@code query} reads; empty: the tenant
   */
  public PrometheusAlertTemplates(String tenant, List<String> sourceTenants, RuleQuerier querier, String externalUrl,
      Map<String, String> externalLabels) {
    this.tenant = tenant;
    this.sourceTenants = List.copyOf(sourceTenants);
    this.querier = querier;
    this.externalUrl = externalUrl;
    this.externalLabels = Map.copyOf(externalLabels);
  }

  @Override
  public String expand(String templateName, String text, Labels seriesLabels, double value, long evalTimestampMs) {
    if (!text.contains("{{")) {
      // Nothing to expand: Go's template would return the text as written.
      return text;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    seriesLabels.forEach(labels::put);
    try {
      return PrometheusTemplates.expand(templateName, text, labels, value, externalLabels, externalUrl,
          evalTimestampMs, (expr, timestampMs) -> query(expr, timestampMs));
    } catch (TemplateException e) {
      return "<error expanding template: " + e.getMessage() + ">";
    }
  }

  private List<io.narthex.template.Sample> query(String expr, long timestampMs) throws Exception {
    List<io.narthex.template.Sample> samples = new ArrayList<>();
    io.narthex.promql.Value value = sourceTenants.isEmpty() ? querier.query(tenant, expr, timestampMs)
        : querier.queryTenants(sourceTenants, expr, timestampMs);
    for (Sample sample : RuleQuerier.asVector(value)) {
      Map<String, String> labels = new LinkedHashMap<>();
      sample.labels().forEach(labels::put);
      samples.add(new io.narthex.template.Sample(labels, sample.value()));
    }
    return samples;
  }
}
