package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_33_0.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prometheus's /federate (web/federate.go) over a real in-memory head, per tenant and federated. */
class FederateTest {
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Protobuf before text, as Prometheus asks when it scrapes protobuf (scrape_protocols, native histograms). */
  private static final String PROTOBUF_ACCEPT = "application/vnd.google.protobuf;"
      + "proto=io.prometheus.client.MetricFamily;encoding=delimited,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  /** Prometheus 2.42's default scrape Accept header. */
  private static final String PROMETHEUS_2_42_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  private static final Head tenantA = new Head();
  private static final Head tenantB = new Head();
  /** "Now" when the samples were written: each test runs well within the 5m lookback delta from it. */
  private static long nowMs;
  private static Server server;

  @BeforeAll
  static void start() {
    nowMs = System.currentTimeMillis();
    append(tenantA, Labels.of("__name__", "up", "job", "api"), nowMs - 120_000, 1, nowMs - 60_000, 2);
    append(tenantA, Labels.of("__name__", "up", "job", "old"), nowMs - 600_000, 1); // before the lookback delta
    append(tenantA, Labels.of("__name__", "up", "job", "gone"), nowMs - 90_000, 1, nowMs - 30_000,
        StaleMarker.STALE_NAN);
    append(tenantA, Labels.of("__name__", "node_load1", "instance", "n1", "path", "C:\\ \"x\""), nowMs - 10_000,
        1234567.5);
    append(tenantB, Labels.of("__name__", "up", "job", "api"), nowMs - 20_000, 0.25);
    ServerBuilder builder = Server.builder().http(0);
    new PrometheusApi(new Engine(EngineOptions.defaults()),
        (tenant, warnings) -> tenant.equals("b") ? tenantB : tenantA, TenantResolver.DEFAULT, "test")
        .withTenantFederation(new TenantFederation(true, 0, 16))
        .bind(builder, "/prometheus");
    new PrometheusApi(new Engine(EngineOptions.defaults()), (tenant, warnings) -> tenantA, TenantResolver.DEFAULT,
        "test")
        .withMaxFederateSeries(2)
        .bind(builder, "/capped");
    server = builder.build();
    server.start().join();
  }

  private static void append(Head head, Labels labels, double... timestampsAndValues) {
    var series = head.getOrCreate(labels);
    for (int i = 0; i < timestampsAndValues.length; i += 2) {
      head.append(series, (long) timestampsAndValues[i], timestampsAndValues[i + 1]);
    }
  }

  @AfterAll
  static void stop() {
    server.stop().join();
  }

  private static HttpResponse<byte[]> federate(String prefix, String orgId, String accept, String... selectors)
      throws IOException, InterruptedException {
    StringBuilder uri = new StringBuilder("http://127.0.0.1:").append(server.activeLocalPort()).append(prefix)
        .append("/federate");
    for (int i = 0; i < selectors.length; i++) {
      uri.append(i == 0 ? '?' : '&').append("match[]=").append(URLEncoder.encode(selectors[i], StandardCharsets.UTF_8));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(Duration.ofMinutes(1))
        .header(Tenant.HEADER, orgId);
    if (accept != null) {
      request.header("Accept", accept);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> response) {
    assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(Federate.TEXT_CONTENT_TYPE);
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void answersTheLatestSampleOfEachSeriesInTheTextFormatWithTimestamps() throws Exception {
    // Sorted by metric name; stale and too old series left out; instance="" appended where there is none.
    assertThat(text(federate("/prometheus", "a", PROMETHEUS_2_42_ACCEPT, "up", "node_load1", "{job=\"api\"}")))
        .isEqualTo("# TYPE node_load1 untyped\n"
            + "node_load1{instance=\"n1\",path=\"C:\\\\ \\\"x\\\"\"} 1.2345675e+06 " + (nowMs - 10_000) + "\n"
            + "# TYPE up untyped\n"
            + "up{job=\"api\",instance=\"\"} 2 " + (nowMs - 60_000) + "\n");
    assertThat(text(federate("/prometheus", "a", null, "up{job=\"api\"}")))
        .as("text without an Accept header").endsWith("} 2 " + (nowMs - 60_000) + "\n");
  }

  @Test
  void answersDelimitedProtobufWhenAcceptAsksForIt() throws Exception {
    HttpResponse<byte[]> response = federate("/prometheus", "a", PROTOBUF_ACCEPT, "{__name__=~\"up|node_load1\"}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(Federate.PROTOBUF_CONTENT_TYPE);
    ByteArrayInputStream in = new ByteArrayInputStream(response.body());
    List<Metrics.MetricFamily> families = new ArrayList<>();
    for (Metrics.MetricFamily family; (family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null; ) {
      families.add(family);
    }
    assertThat(families).extracting(Metrics.MetricFamily::getName).containsExactly("node_load1", "up");
    assertThat(families).allSatisfy(f -> assertThat(f.getType()).isEqualTo(Metrics.MetricType.UNTYPED));
    Metrics.Metric up = families.get(1).getMetric(0);
    assertThat(up.getLabelList()).extracting(l -> l.getName() + "=" + l.getValue())
        .containsExactly("job=api", "instance=");
    assertThat(up.getUntyped().getValue()).isEqualTo(2);
    assertThat(up.getTimestampMs()).isEqualTo(nowMs - 60_000);
  }

  @Test
  void aBadSelectorIsA400AndNoSelectorAnswersNothing() throws Exception {
    HttpResponse<byte[]> bad = federate("/prometheus", "a", null, "up{");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new String(bad.body(), StandardCharsets.UTF_8))
        .startsWith("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"match[]\\\"");
    assertThat(text(federate("/prometheus", "a", null))).as("as Prometheus: no match[] selects nothing").isEmpty();
  }

  @Test
  void moreSeriesThanTheLimitIsA400NamingIt() throws Exception {
    assertThat(text(federate("/capped", "a", null, "up{job=~\"api|gone\"}"))).contains("up{job=\"api\"");
    HttpResponse<byte[]> refused = federate("/capped", "a", null, "{__name__=~\".+\"}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new String(refused.body(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"error\",\"errorType\":"
        + "\"bad_data\",\"error\":\"the federation request matched more than the maximum number of series (limit: 2"
        + " series) (err-narthex-max-federate-series). Narrow the match[] selectors, or raise"
        + " -querier.max-federate-series.\"}");
  }

  @Test
  void answersPerTenantAndAcrossFederatedTenants() throws Exception {
    assertThat(text(federate("/prometheus", "b", null, "up")))
        .isEqualTo("# TYPE up untyped\nup{job=\"api\",instance=\"\"} 0.25 " + (nowMs - 20_000) + "\n");
    assertThat(text(federate("/prometheus", "b|a", null, "up{__tenant_id__=~\"a|b\"}")))
        .isEqualTo("# TYPE up untyped\n"
            + "up{__tenant_id__=\"a\",job=\"api\",instance=\"\"} 2 " + (nowMs - 60_000) + "\n"
            + "up{__tenant_id__=\"b\",job=\"api\",instance=\"\"} 0.25 " + (nowMs - 20_000) + "\n");
  }

  @Test
  void formatsValuesAsGoStrconvFormatFloatG() {
    // Expected strings: Go's strconv.FormatFloat(v, 'g', -1, 64), which expfmt's text writer uses.
    Map<Double, String> cases = Map.ofEntries(Map.entry(1.0, "1"), Map.entry(0.5, "0.5"), Map.entry(-2.5, "-2.5"),
        Map.entry(100.0, "100"), Map.entry(123456.0, "123456"), Map.entry(1234567.0, "1.234567e+06"),
        Map.entry(1e6, "1e+06"), Map.entry(0.0001, "0.0001"), Map.entry(0.00001, "1e-05"),
        Map.entry(0.1 + 0.2, "0.30000000000000004"), Map.entry(5e-324, "5e-324"), Map.entry(1e-323, "1e-323"),
        Map.entry(4.5e15, "4.5e+15"), Map.entry(2e-7, "2e-07"),
        Map.entry(Double.MAX_VALUE, "1.7976931348623157e+308"), Map.entry(1.5e100, "1.5e+100"),
        Map.entry(Double.NaN, "NaN"), Map.entry(Double.POSITIVE_INFINITY, "+Inf"),
        Map.entry(Double.NEGATIVE_INFINITY, "-Inf"), Map.entry(0.0, "0"), Map.entry(-0.0, "-0"));
    cases.forEach((value, expected) -> assertThat(Federate.goFloat(value)).as("%s", value).isEqualTo(expected));
  }

  @Test
  void negotiatesProtobufAsExpfmtNegotiateDoes() {
    assertThat(Federate.wantsProtobuf(PROTOBUF_ACCEPT)).isTrue();
    assertThat(Federate.wantsProtobuf(PROMETHEUS_2_42_ACCEPT)).isFalse();
    assertThat(Federate.wantsProtobuf(null)).isFalse();
    assertThat(Federate.wantsProtobuf("text/plain;version=0.0.4;q=0.5,application/vnd.google.protobuf;"
        + "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7")).as("higher q wins").isTrue();
    assertThat(Federate.wantsProtobuf("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
        + "encoding=text")).as("protobuf text encoding is not served: text").isFalse();
  }
}
