package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.ruler.eval.RuleQuerier;
import io.narthex.tsdb.labels.Labels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Alert labels and annotations expanded by the shared template engine, as Prometheus renders them. */
class PrometheusAlertTemplatesTest {
  private static final long T0 = 1_700_000_000_000L;

  private final RulerFixture fixture = new RulerFixture();
  private final PrometheusAlertTemplates templates = new PrometheusAlertTemplates(RulerFixture.TENANT,
      fixture.querier, "https://narthex.example/prometheus", Map.of("cluster", "eu-1"));

  @Test
  void annotationsSeeLabelsValueExternalLabelsAndUrl() throws Exception {
    AlertingRule rule = new AlertingRule("DiskFull", "x", 0, 0, Labels.of("team", "{{ $labels.job | toUpper }}"),
        Labels.of("summary", "{{ $labels.instance }} at {{ $value | humanizePercentage }} in "
            + "{{ $externalLabels.cluster }}", "link", "{{ $externalURL }}/alerts"), templates, true);
    rule.eval(List.of(new Sample(Labels.of("__name__", "disk", "instance", "db-1", "job", "api"), T0, 0.934)), T0,
        0, 0);
    Alert alert = rule.currentAlerts().getFirst();
    assertThat(alert.labels()).isEqualTo(Labels.of("alertname", "DiskFull", "instance", "db-1", "job", "api",
        "team", "API"));
    assertThat(alert.annotations()).isEqualTo(Labels.of("summary", "db-1 at 93.4% in eu-1",
        "link", "https://narthex.example/prometheus/alerts"));
  }

  @Test
  void queryFunctionReadsTheTenantsDataAtTheEvaluationInstant() {
    fixture.append(Labels.of("__name__", "capacity", "instance", "db-1"), T0 - 1000, 512);
    fixture.append(Labels.of("__name__", "capacity", "instance", "db-1"), T0 + 1000, 1024);
    String text = templates.expand("__alert_X",
        "{{ with query \"capacity\" }}{{ . | first | value | humanize1024 }}{{ end }}", Labels.EMPTY, 0, T0);
    assertThat(text).isEqualTo("512");
  }

  @Test
  void queryFunctionOfAFederatedGroupReadsItsSourceTenants() {
    List<String> queried = new java.util.ArrayList<>();
    RuleQuerier federating = new RuleQuerier() {
      @Override
      public Value query(String tenant, String expr, long timestampMs) {
        queried.add(tenant);
        return new Vector(List.of());
      }

      @Override
      public Value queryTenants(List<String> tenants, String expr, long timestampMs) {
        queried.add(tenants.toString());
        return new Vector(List.of(new Sample(Labels.of("__tenant_id__", tenants.getFirst()), timestampMs, 1)));
      }
    };
    PrometheusAlertTemplates federated = new PrometheusAlertTemplates("owner", List.of("team-a", "team-b"),
        federating, "", Map.of());
    String text = federated.expand("__alert_X",
        "{{ with query \"up\" }}{{ . | first | label \"__tenant_id__\" }}{{ end }}", Labels.EMPTY, 0, T0);
    assertThat(text).isEqualTo("team-a");
    assertThat(queried).containsExactly("[team-a, team-b]");
  }

  @Test
  void failedTemplateReadsAsPrometheusWritesIt() {
    String text = templates.expand("__alert_X", "{{ query \"sum(\" }}", Labels.EMPTY, 0, T0);
    assertThat(text).startsWith("<error expanding template: error executing template __alert_X: ")
        .contains("error calling query").endsWith(">");
  }

  @Test
  void textWithoutTemplateIsKeptAsWritten() {
    assertThat(templates.expand("__alert_X", "plain $labels text", Labels.EMPTY, 0, T0))
        .isEqualTo("plain $labels text");
  }
}
