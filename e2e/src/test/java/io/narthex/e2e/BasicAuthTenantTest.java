package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.app.Narthex;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's "tenant without a header": Debian's Prometheus 2.42, whose {@code remote_write} cannot send
 * {@code X-Scope-OrgID}, writes to Narthex (started with {@code --auth.tenant-from-basic-auth}) with
 * {@code basic_auth} naming the tenant and no proxy in between. Its series are readable under that tenant only.
 */
class BasicAuthTenantTest {
  private static final String TEAM_X = "team-x";
  private static final String UP_OF_PROMETHEUS = "up{job=\"prometheus\"}";

  @TempDir
  static Path work;

  private static Narthex narthex;
  private static ExternalProcess prometheus;

  @BeforeAll
  static void startNarthexAndPrometheus() throws Exception {
    String prometheusBinary = ExternalProcess.which("prometheus");
    ExternalProcess.assumeInstalled(prometheusBinary != null,
        "prometheus is not installed (apt-get install prometheus; .ci/run does this): skipping the basic-auth test");
    narthex = InJvmNarthex.start(work, "--auth.tenant-from-basic-auth");

    int prometheusPort = ExternalProcess.freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: prometheus
            static_configs: [{targets: ['127.0.0.1:%d']}]
        remote_write:
          - url: http://127.0.0.1:%d/api/v1/push
            basic_auth: {username: %s, password: anything}
            queue_config: {batch_send_deadline: 1s}
        """.formatted(prometheusPort, narthex.httpPort(), TEAM_X));
    prometheus = ExternalProcess.start("prometheus", List.of(prometheusBinary,
        "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("prometheus-data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort));
    prometheus.awaitHttpOk("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (narthex != null) {
      narthex.close();
    }
  }

  private static PromApi api(String tenant) {
    return new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", tenant);
  }

  @Test
  void prometheusWritesWithBasicAuthAsTheTenantReadableUnderThatTenantOnly() throws Exception {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(api(TEAM_X).data("/api/v1/query", "query", UP_OF_PROMETHEUS).path("result").size())
            .as("series of %s read as %s", UP_OF_PROMETHEUS, TEAM_X).isEqualTo(1));
    // A self-scrape that outlived its 1 s timeout on a stalled machine writes up=0: some scrape in the last
    // 30 s succeeded.
    JsonNode series = api(TEAM_X).data("/api/v1/query", "query", "max_over_time(" + UP_OF_PROMETHEUS + "[30s])")
        .path("result").path(0);
    assertThat(series.path("value").path(1).asText()).isEqualTo("1");

    // Another tenant sees none of it, not even the metric names.
    assertThat(api("team-y").data("/api/v1/query", "query", "{__name__=~\".+\"}").path("result")).isEmpty();
    assertThat(api("team-y").data("/api/v1/label/__name__/values")).isEmpty();

    // A header naming another tenant than the basic-auth user is refused, whatever the header says.
    HttpResponse<String> differ = queryWithBasicAuth("team-y", TEAM_X);
    assertThat(differ.statusCode()).as(differ.body()).isEqualTo(400);
    JsonNode error = new ObjectMapper().readTree(differ.body());
    assertThat(error.path("errorType").asText()).isEqualTo("bad_data");
    assertThat(error.path("error").asText()).contains("'team-y'", "'team-x'",
        "err-narthex-tenant-header-and-basic-auth-differ");
    // Basic auth alone reads the same tenant as the header.
    HttpResponse<String> basicAuthOnly = queryWithBasicAuth(null, TEAM_X);
    assertThat(basicAuthOnly.statusCode()).as(basicAuthOnly.body()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(basicAuthOnly.body()).path("data").path("result")).hasSize(1);
  }

  /** {@code up{job="prometheus"}} as the basic-auth user, with the header when not null. */
  private static HttpResponse<String> queryWithBasicAuth(String orgId, String user) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + narthex.httpPort() + "/prometheus/api/v1/query?query="
        + URLEncoder.encode(UP_OF_PROMETHEUS, StandardCharsets.UTF_8));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + Base64.getEncoder()
            .encodeToString((user + ":anything").getBytes(StandardCharsets.UTF_8)));
    if (orgId != null) {
      request.header("X-Scope-OrgID", orgId);
    }
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
