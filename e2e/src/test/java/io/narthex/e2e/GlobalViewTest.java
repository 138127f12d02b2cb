package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.WriteRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global view (issue 14): one query over several tenants with tenant federation, metric metadata from
 * remote write, and a real Prometheus
 * (Debian's) federating from Narthex's {@code /prometheus/federate} with {@code honor_labels: true}, through a
 * proxy that sets the tenant header as an nginx in front of Mimir would.
 */
class GlobalViewTest {
  private static final String TEAM_A = "team-a";
  private static final String TEAM_B = "team-b";

  @TempDir
  static Path work;

  private static Narthex narthex;
  private static long latestMs;

  @BeforeAll
  static void startNarthexAndWrite() throws Exception {
    narthex = InJvmNarthex.start(work, "--tenant-federation.enabled=true");
    RemoteWriteClient writer = new RemoteWriteClient(narthex.httpPort());
    latestMs = System.currentTimeMillis() - 1_000;
    long[] times = {latestMs - 20_000, latestMs - 10_000, latestMs};
    pushOk(writer, TEAM_A, WriteRequest.newBuilder()
        .addMetadata(MetricMetadata.newBuilder().setType(MetricMetadata.MetricType.COUNTER)
            .setMetricFamilyName("demo_requests_total").setHelp("Requests served by team A."))
        .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "demo_requests_total", "instance", "a-1",
            "job", "api"}, times, new double[] {1, 2, 3}))
        .build());
    pushOk(writer, TEAM_B, WriteRequest.newBuilder()
        .addMetadata(MetricMetadata.newBuilder().setType(MetricMetadata.MetricType.COUNTER)
            .setMetricFamilyName("demo_requests_total").setHelp("Requests served by team B."))
        .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "demo_requests_total", "instance", "b-1",
            "job", "api"}, times, new double[] {10, 20, 30}))
        // Label names sorted, as remote write requires. A series that already carries the label keeps its value as original___tenant_id__.
        .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "demo_requests_total", "__tenant_id__",
            "upstream", "instance", "b-2", "job", "api"}, times, new double[] {100, 200, 300}))
        .build());
  }

  private static void pushOk(RemoteWriteClient writer, String tenant, WriteRequest request) throws Exception {
    java.net.http.HttpResponse<String> response = writer.push(tenant, request);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    if (narthex != null) {
      narthex.close();
    }
  }

  private static PromApi api(String tenants) {
    return new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", tenants);
  }

  /** instance -> [__tenant_id__, original___tenant_id__ or "", value] of each series of an instant vector. */
  private static Map<String, List<String>> byInstance(JsonNode result) {
    Map<String, List<String>> out = new TreeMap<>();
    for (JsonNode series : result) {
      JsonNode metric = series.path("metric");
      out.put(metric.path("instance").asText(), List.of(metric.path("__tenant_id__").asText(),
          metric.path("original___tenant_id__").asText(), series.path("value").path(1).asText()));
    }
    return out;
  }

  @Test
  void aQueryOverTwoTenantsLabelsEachSeriesWithItsTenant() {
    JsonNode result = api(TEAM_B + "|" + TEAM_A + "|" + TEAM_A).data("/api/v1/query",
        "query", "demo_requests_total", "time", String.valueOf(latestMs / 1000.0)).path("result");
    assertThat(byInstance(result)).isEqualTo(Map.of(
        "a-1", List.of(TEAM_A, "", "3"),
        "b-1", List.of(TEAM_B, "", "30"),
        "b-2", List.of(TEAM_B, "upstream", "300")));

    JsonNode onlyB = api(TEAM_A + "|" + TEAM_B).data("/api/v1/query",
        "query", "sum(demo_requests_total{__tenant_id__=\"" + TEAM_B + "\"})",
        "time", String.valueOf(latestMs / 1000.0)).path("result");
    assertThat(onlyB.path(0).path("value").path(1).asText()).isEqualTo("330");

    assertThat(api(TEAM_A + "|" + TEAM_B).data("/api/v1/label/__tenant_id__/values").toString())
        .isEqualTo("[\"team-a\",\"team-b\"]");
    // One tenant: exactly today's answer, no added label.
    JsonNode single = api(TEAM_A).data("/api/v1/query", "query", "demo_requests_total",
        "time", String.valueOf(latestMs / 1000.0)).path("result");
    assertThat(single.path(0).path("metric").has("__tenant_id__")).isFalse();
  }

  /**
   * A vector or matrix result as a set of "labels=values" strings, labels sorted; with {@code tenant}, each series
   * as tenant federation shows it: {@code __tenant_id__} moved to {@code original___tenant_id__}, the tenant added.
   */
  private static Set<String> canonical(JsonNode result, String tenant) {
    Set<String> out = new TreeSet<>();
    for (JsonNode series : result) {
      Map<String, String> labels = new TreeMap<>();
      series.path("metric").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
      if (tenant != null) {
        String original = labels.remove("__tenant_id__");
        if (original != null) {
          labels.put("original___tenant_id__", original);
        }
        labels.put("__tenant_id__", tenant);
      }
      out.add(labels + "=" + (series.has("values") ? series.path("values") : series.path("value")));
    }
    return out;
  }

  /** The union of two single-tenant answers, as tenant federation must answer them. */
  private static Set<String> union(String path, java.util.function.BiFunction<JsonNode, String, Set<String>> form,
      String... params) {
    Set<String> out = new TreeSet<>();
    for (String tenant : List.of(TEAM_A, TEAM_B)) {
      out.addAll(form.apply(api(tenant).data(path, params), tenant));
    }
    return out;
  }

  private static Set<String> labelSets(JsonNode series, String tenant) {
    Set<String> out = new TreeSet<>();
    for (JsonNode labels : series) {
      out.addAll(canonical(asVector(labels), tenant));
    }
    return out;
  }

  /** A /series entry as a one-series vector without values, so {@link #canonical} applies to it. */
  private static JsonNode asVector(JsonNode labels) {
    com.fasterxml.jackson.databind.node.ArrayNode array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    array.addObject().set("metric", labels);
    return array;
  }

  @Test
  void aFederatedAnswerIsTheUnionOfTheTenantsAnswersWithTheirTenantAdded() {
    PromApi federated = api(TEAM_A + "|" + TEAM_B);
    String time = String.valueOf(latestMs / 1000.0);
    String start = String.valueOf((latestMs - 30_000) / 1000.0);
    for (String query : List.of("demo_requests_total", "demo_requests_total{instance=~\"a-1|b-2\"}",
        "rate(demo_requests_total[30s])", "demo_requests_total offset 10s")) {
      assertThat(canonical(federated.data("/api/v1/query", "query", query, "time", time).path("result"), null))
          .as("instant " + query)
          .isEqualTo(union("/api/v1/query", (data, tenant) -> canonical(data.path("result"), tenant),
              "query", query, "time", time));
      String[] range = {"query", query, "start", start, "end", time, "step", "5"};
      assertThat(canonical(federated.data("/api/v1/query_range", range).path("result"), null))
          .as("range " + query)
          .isEqualTo(union("/api/v1/query_range", (data, tenant) -> canonical(data.path("result"), tenant), range));
    }
    String[] series = {"match[]", "{job=\"api\"}", "start", start, "end", time};
    assertThat(labelSets(federated.data("/api/v1/series", series), null))
        .isEqualTo(union("/api/v1/series", GlobalViewTest::labelSets, series));
    Set<String> names = new TreeSet<>(List.of("__tenant_id__", "original___tenant_id__"));
    Set<String> instances = new TreeSet<>();
    for (String tenant : List.of(TEAM_A, TEAM_B)) {
      api(tenant).data("/api/v1/labels").forEach(name -> names.add(name.asText()));
      api(tenant).data("/api/v1/label/instance/values").forEach(value -> instances.add(value.asText()));
    }
    Set<String> federatedNames = new TreeSet<>();
    federated.data("/api/v1/labels").forEach(name -> federatedNames.add(name.asText()));
    assertThat(federatedNames).isEqualTo(names);
    Set<String> federatedInstances = new TreeSet<>();
    federated.data("/api/v1/label/instance/values").forEach(value -> federatedInstances.add(value.asText()));
    assertThat(federatedInstances).isEqualTo(instances);
    // A matcher on __tenant_id__ reads the chosen tenant only.
    assertThat(canonical(federated.data("/api/v1/query", "query", "demo_requests_total{__tenant_id__=\"team-a\"}",
        "time", time).path("result"), null))
        .isEqualTo(canonical(api(TEAM_A).data("/api/v1/query", "query", "demo_requests_total", "time", time)
            .path("result"), TEAM_A));
  }

  @Test
  void metricMetadataFromRemoteWriteIsServedPerTenantAndAcrossTenants() {
    assertThat(api(TEAM_A).data("/api/v1/metadata", "metric", "demo_requests_total").toString()).isEqualTo(
        "{\"demo_requests_total\":[{\"type\":\"counter\",\"help\":\"Requests served by team A.\",\"unit\":\"\"}]}");
    JsonNode both = api(TEAM_A + "|" + TEAM_B).data("/api/v1/metadata").path("demo_requests_total");
    assertThat(both.findValuesAsText("help"))
        .containsExactlyInAnyOrder("Requests served by team A.", "Requests served by team B.");
  }

  @Test
  void aRealPrometheusFederatesBothTenantsWithHonorLabels() throws Exception {
    String prometheusBinary = ExternalProcess.which("prometheus");
    ExternalProcess.assumeInstalled(prometheusBinary != null,
        "prometheus is not installed (apt-get install prometheus; .ci/run does this): skipping the federation test");
    try (TenantHeaderProxy proxy = new TenantHeaderProxy(narthex.httpPort(), TEAM_A + "|" + TEAM_B)) {
      int prometheusPort = ExternalProcess.freePort();
      Path config = work.resolve("prometheus.yml");
      Files.writeString(config, """
          global:
            scrape_interval: 1s
          scrape_configs:
            - job_name: federate
              honor_labels: true
              metrics_path: /prometheus/federate
              params:
                'match[]': ['{job="api"}']
              static_configs: [{targets: ['127.0.0.1:%d']}]
          """.formatted(proxy.port()));
      ExternalProcess prometheus = ExternalProcess.start("prometheus", List.of(prometheusBinary,
          "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("prometheus-data"),
          "--web.listen-address=127.0.0.1:" + prometheusPort));
      try {
        prometheus.awaitHttpOk("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(60));
        PromApi prom = new PromApi("http://127.0.0.1:" + prometheusPort, null);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(prom.data("/api/v1/query",
            "query", "up{job=\"federate\"}").path("result").path(0).path("value").path(1).asText()).isEqualTo("1"));
        // The federated samples keep Narthex's labels (job="api", not "federate") and timestamps.
        JsonNode result = prom.data("/api/v1/query", "query", "demo_requests_total",
            "time", String.valueOf(latestMs / 1000.0)).path("result");
        assertThat(byInstance(result)).isEqualTo(Map.of(
            "a-1", List.of(TEAM_A, "", "3"),
            "b-1", List.of(TEAM_B, "", "30"),
            "b-2", List.of(TEAM_B, "upstream", "300")));
        assertThat(result.findValuesAsText("job")).containsOnly("api");
        // PromQL over what Prometheus stored equals PromQL over Narthex's federated view at the same instant.
        PromApi federated = api(TEAM_A + "|" + TEAM_B);
        for (String query : List.of("demo_requests_total", "sum by (__tenant_id__) (demo_requests_total)",
            "count(demo_requests_total{__tenant_id__=\"team-b\"})", "max(demo_requests_total) by (job)")) {
          String[] params = {"query", query, "time", String.valueOf(latestMs / 1000.0)};
          assertThat(canonical(prom.data("/api/v1/query", params).path("result"), null))
              .as(query).isEqualTo(canonical(federated.data("/api/v1/query", params).path("result"), null));
        }
      } finally {
        prometheus.close();
      }
    }
  }
}
