package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.QueryParams;
import io.narthex.common.TenantResolver;
import io.narthex.promql.Sample;
import io.narthex.promql.Vector;
import io.narthex.ruler.eval.RuleEvaluators;
import io.narthex.ruler.eval.RuleManager;
import io.narthex.ruler.eval.RulerClock;
import io.narthex.ruler.eval.RulerMetrics;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesApiTest {
  private static final long NOW_NANOS = 1_700_000_000_123_450_000L;

  @TempDir Path directory;
  private RuleManager manager;
  private RulesApi api;

  @BeforeEach
  void loadRules() throws Exception {
    Files.createDirectories(directory.resolve("tenant-1"));
    Files.writeString(directory.resolve("tenant-1/team.yaml"), """
        groups:
        - name: g1
          rules:
          - record: job:up:sum
            expr: sum(up)
            labels:
              source: rule
          - alert: Down
            expr: up == 0
            for: 5m
            annotations:
              summary: down
        - name: g2
          interval: 15s
          rules:
          - record: other
            expr: vector(1)
        """);
    RulerClock held = new RulerClock() {
      @Override
      public long epochNanos() {
        return NOW_NANOS;
      }

      @Override
      public void sleepUntil(long epochNanos) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
      }
    };
    manager = new RuleManager(new LocalRuleStore(directory), new RuleManager.Config(Duration.ofMinutes(1),
        Duration.ofMinutes(10), Duration.ZERO, true, 2), RuleEvaluators.recordingOnly(),
        (tenant, expr, timestampMs) -> new Vector(List.of(new Sample(Labels.EMPTY, timestampMs, 3))),
        (tenant, samples) -> List.of(), held, new RulerMetrics(new PrometheusRegistry()));
    manager.sync();
    manager.groups("tenant-1").getFirst().evaluate(1_700_000_000_000L);
    api = new RulesApi(manager, TenantResolver.DEFAULT);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private JsonNode get(String query) throws Exception {
    AggregatedHttpResponse response = api.rules("tenant-1", QueryParams.fromQueryString(query)).aggregate().join();
    assertThat(response.status().code()).isEqualTo(200);
    return new ObjectMapper().readTree(response.contentUtf8());
  }

  @Test
  void listsTheTenantsGroupsWithPrometheusFieldsAndTheNamespaceAsFile() throws Exception {
    JsonNode groups = get("").path("data").path("groups");

    assertThat(groups).hasSize(2);
    JsonNode g1 = groups.get(0);
    assertThat(g1.get("name").asText()).isEqualTo("g1");
    assertThat(g1.get("file").asText()).isEqualTo("team.yaml");
    assertThat(g1.get("interval").isIntegralNumber()).isTrue();
    assertThat(g1.get("interval").asLong()).isEqualTo(60);
    assertThat(g1.get("lastEvaluation").asText()).isEqualTo("2023-11-14T22:13:20.12345Z");
    JsonNode recording = g1.get("rules").get(0);
    assertThat(recording.get("type").asText()).isEqualTo("recording");
    assertThat(recording.get("name").asText()).isEqualTo("job:up:sum");
    assertThat(recording.get("query").asText()).isEqualTo("sum(up)");
    assertThat(recording.get("labels").get("source").asText()).isEqualTo("rule");
    assertThat(recording.get("health").asText()).isEqualTo("ok");
    assertThat(recording.has("lastError")).isFalse();
    JsonNode alerting = g1.get("rules").get(1);
    assertThat(alerting.get("type").asText()).isEqualTo("alerting");
    assertThat(alerting.get("state").asText()).isEqualTo("inactive");
    assertThat(alerting.get("duration").asLong()).isEqualTo(300);
    assertThat(alerting.get("annotations").get("summary").asText()).isEqualTo("down");
    assertThat(alerting.get("alerts")).isEmpty();
    assertThat(alerting.get("health").asText()).as("not evaluated without its evaluator").isEqualTo("unknown");
    assertThat(alerting.get("lastEvaluation").asText()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(groups.get(1).get("interval").asLong()).isEqualTo(15);
  }

  @Test
  void filtersByTypeRuleNameGroupAndFileLeavingOutEmptiedGroups() throws Exception {
    assertThat(get("type=alert").path("data").path("groups")).singleElement()
        .satisfies(g -> assertThat(g.get("rules")).singleElement()
            .satisfies(r -> assertThat(r.get("name").asText()).isEqualTo("Down")));
    assertThat(get("type=record").path("data").path("groups")).hasSize(2);
    assertThat(get("rule_name[]=other&rule_name[]=Down").path("data").path("groups")).hasSize(2);
    assertThat(get("rule_group[]=g2").path("data").path("groups")).singleElement()
        .satisfies(g -> assertThat(g.get("name").asText()).isEqualTo("g2"));
    assertThat(get("file[]=elsewhere.yaml").path("data").path("groups")).isEmpty();
    assertThat(get("rule_group[]=g2&type=alert").path("data").path("groups")).isEmpty();
    JsonNode alerting = get("type=alert&exclude_alerts=true").path("data").path("groups").get(0).get("rules").get(0);
    assertThat(alerting.get("alerts").isNull()).isTrue();
  }

  @Test
  void rejectsAnExcludeAlertsThatIsNotABoolean() throws Exception {
    AggregatedHttpResponse response = api.rules("tenant-1", QueryParams.of("exclude_alerts", "yes")).aggregate()
        .join();

    assertThat(response.status().code()).isEqualTo(400);
    assertThat(response.contentUtf8()).contains("exclude_alerts").contains("err-narthex-ruler-invalid-rules-filter");
  }

  @Test
  void rejectsAnUnknownTypeWithBadData() throws Exception {
    AggregatedHttpResponse response = api.rules("tenant-1", QueryParams.of("type", "alerting")).aggregate().join();

    assertThat(response.status().code()).isEqualTo(400);
    JsonNode body = new ObjectMapper().readTree(response.contentUtf8());
    assertThat(body.get("status").asText()).isEqualTo("error");
    assertThat(body.get("errorType").asText()).isEqualTo("bad_data");
    assertThat(body.get("error").asText()).contains("\"alerting\"").contains("err-narthex-ruler-invalid-rules-filter");
  }
}
