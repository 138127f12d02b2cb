package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  @Test
  void writesGoTimesWithoutTrailingZeros() {
    long t0 = 1_700_000_000_000L * 1_000_000L;
    assertThat(RulesApi.time(t0)).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(RulesApi.time(t0 + 120_000_000L)).isEqualTo("2023-11-14T22:13:20.12Z");
    assertThat(RulesApi.time(t0 + 5_000_000L)).isEqualTo("2023-11-14T22:13:20.005Z");
  }

  private AggregatedHttpResponse answer(RulesApi rulesApi, String query) {
    return rulesApi.rules("tenant-1", QueryParams.fromQueryString(query)).aggregate().join();
  }

  @Test
  void mergesTheOtherRulersGroupsByNamespaceThenNameAndPassesThemTheFiltersButNotThePage() throws Exception {
    List<QueryParams> asked = new ArrayList<>();
    PeerRules peers = (addresses, tenant, params) -> {
      assertThat(addresses).containsExactly("ruler-2:8080");
      assertThat(tenant).isEqualTo("tenant-1");
      asked.add(params);
      return new ObjectMapper().readValue("""
          [{"name":"g0","file":"team.yaml","rules":[{"name":"Up","type":"alerting","alerts":[{"state":"firing"}]}]},
           {"name":"z","file":"alpha.yaml","rules":[{"name":"r","type":"recording"}]}]
          """, new TypeReference<List<Map<String, Object>>>() {});
    };
    RulesApi sharded = new RulesApi(manager::groups, List.of("ruler-2:8080"), peers, TenantResolver.DEFAULT);

    answer(sharded, "rule_name[]=x&group_limit=10");
    assertThat(asked.getFirst().toQueryString()).isEqualTo("rule_name%5B%5D=x");
    JsonNode groups = new ObjectMapper().readTree(answer(sharded, "").contentUtf8()).path("data").path("groups");
    assertThat(groups).extracting(g -> g.get("file").asText() + "/" + g.get("name").asText())
        .containsExactly("alpha.yaml/z", "team.yaml/g0", "team.yaml/g1", "team.yaml/g2");
    JsonNode alerts = new ObjectMapper().readTree(sharded.alerts("tenant-1").aggregate().join().contentUtf8())
        .path("data").path("alerts");
    assertThat(alerts).singleElement().satisfies(a -> assertThat(a.get("state").asText()).isEqualTo("firing"));
    assertThat(asked.getLast().get("type")).isEqualTo("alert");
  }

  @Test
  void aRulerThatDoesNotAnswerFailsTheListingWithA500NamingIt() throws Exception {
    try (HttpPeerRules peers = new HttpPeerRules(Duration.ofSeconds(10))) {
      RulesApi sharded = new RulesApi(manager::groups, List.of("127.0.0.1:1"), peers, TenantResolver.DEFAULT);

      for (AggregatedHttpResponse response : List.of(answer(sharded, ""),
          sharded.alerts("tenant-1").aggregate().join())) {
        assertThat(response.status().code()).isEqualTo(500);
        JsonNode body = new ObjectMapper().readTree(response.contentUtf8());
        assertThat(body.get("errorType").asText()).isEqualTo("server_error");
        assertThat(body.get("error").asText()).contains("ruler 127.0.0.1:1 did not answer")
            .contains("err-narthex-ruler-unavailable");
      }
    }
  }

  @Test
  void paginatesWithGroupLimitAndTheNextGroupsToken() throws Exception {
    JsonNode first = get("group_limit=1").path("data");
    assertThat(first.path("groups")).singleElement()
        .satisfies(g -> assertThat(g.get("name").asText()).isEqualTo("g1"));
    // Prometheus's getRuleGroupNextToken: the hex SHA-1 of "team.yaml;g2", as sha1sum prints it.
    assertThat(first.get("groupNextToken").asText()).isEqualTo("87e89c766c47f9df4c81c3c29fea2f3aeef1bdd5");

    JsonNode last = get("group_limit=1&group_next_token=" + first.get("groupNextToken").asText()).path("data");
    assertThat(last.path("groups")).singleElement()
        .satisfies(g -> assertThat(g.get("name").asText()).isEqualTo("g2"));
    assertThat(last.has("groupNextToken")).isFalse();
    assertThat(get("group_limit=2").path("data").has("groupNextToken")).isFalse();
  }

  @Test
  void matchSelectsRulesByTheirOwnLabels() throws Exception {
    assertThat(get("match[]=%7Bsource%3D%22rule%22%7D").path("data").path("groups")).singleElement()
        .satisfies(g -> assertThat(g.get("rules")).singleElement()
            .satisfies(r -> assertThat(r.get("name").asText()).isEqualTo("job:up:sum")));
    assertThat(get("match[]=%7Bsource%3D%22other%22%7D&match[]=%7Bsource%3D~%22r.*%22%7D").path("data")
        .path("groups")).hasSize(1);
    assertThat(get("match[]=%7Bsource%3D%22other%22%7D").path("data").path("groups")).isEmpty();
  }

  @Test
  void rejectsBadPaginationAndMatchParametersWithPrometheusMessages() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("group_limit=0", "invalid parameter \"group_limit\": group_limit needs to be greater than 0");
    cases.put("group_limit=x", "invalid parameter \"group_limit\": group_limit needs to be a valid number:"
        + " strconv.ParseInt: parsing \"x\": invalid syntax");
    cases.put("group_next_token=abc", "invalid parameter \"group_next_token\": group_limit needs to be present in"
        + " order to paginate over the groups");
    cases.put("group_limit=1&group_next_token=abc",
        "invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule groups changed?");
    cases.put("match[]=%7Bsource%3D%22%22%7D",
        "invalid parameter \"match[]\": 1:1: parse error: vector selector must contain at least one non-empty"
            + " matcher");
    cases.put("match[]=up%7B", "invalid parameter \"match[]\": ");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      AggregatedHttpResponse response = answer(api, c.getKey());
      assertThat(response.status().code()).as(c.getKey()).isEqualTo(400);
      JsonNode body = new ObjectMapper().readTree(response.contentUtf8());
      assertThat(body.get("errorType").asText()).isEqualTo("bad_data");
      assertThat(body.get("error").asText()).as(c.getKey()).startsWith(c.getValue())
          .endsWith("(err-narthex-ruler-invalid-rules-filter)");
    }
  }
}
