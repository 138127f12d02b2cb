package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.narthex.app.Narthex;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's "amtool works": Debian's {@code amtool} 0.25 against the API v2 of an in-JVM Narthex
 * ({@code -target=all}), with the tenant named by {@code --http.config.file} (basic auth,
 * {@code -auth.tenant-from-basic-auth}), as a hosted Mimir user runs it. That a silenced alert is not notified is
 * held in-process by {@code AlertmanagerApiV2Test}. The
 * same process holds item 6: its ruler's alerts reach its Alertmanager with no {@code -ruler.alertmanager-url}, and
 * through item 4's receivers a tenant's webhook.
 */
class AmtoolTest {
  private static final String TENANT = "team-amtool";
  private static final String CONFIG = """
      route:
        receiver: web
        group_by: [alertname]
        routes:
          - matchers: [team="db"]
            receiver: db-pager
            continue: true
      receivers:
        - name: web
          webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]
        - name: db-pager
          webhook_configs: [{url: 'http://127.0.0.1:9/db'}]
      """;

  @TempDir static Path work;
  private static Narthex narthex;
  private static String amtool;
  private static Path httpConfig;

  @BeforeAll
  static void start() throws Exception {
    amtool = ExternalProcess.which("amtool");
    ExternalProcess.assumeInstalled(amtool != null,
        "amtool is not installed (apt-get install prometheus-alertmanager; .ci/run does this): skipping");
    narthex = InJvmNarthex.start(work, "--auth.tenant-from-basic-auth");
    httpConfig = work.resolve("amtool-http.yml");
    Files.writeString(httpConfig, "basic_auth: {username: " + TENANT + ", password: unused}\n");
    String body = "alertmanager_config: |\n" + CONFIG.indent(2);
    HttpResponse<String> stored = post("/api/v1/alerts", TENANT, body);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).until(() -> amtool("config", "show").contains("db-pager"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (narthex != null) {
      narthex.close();
    }
  }

  private static HttpResponse<String> post(String path, String tenant, String body) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .header("X-Scope-OrgID", tenant).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Runs amtool against Narthex as the tenant; returns its output without the version warning, failing the test on a
   * non-zero exit.
   */
  private static String amtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(amtool,
        "--alertmanager.url=http://127.0.0.1:" + narthex.httpPort() + "/alertmanager",
        "--http.config.file=" + httpConfig));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("amtool " + String.join(" ", args) + " did not finish");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("amtool " + String.join(" ", args) + ": " + out).isZero();
    // amtool's version check reads GET status and warns that Narthex's version is not its own, as against Mimir.
    return out.replaceFirst("(?m)^Warning: amtool version \\(.*\\) and alertmanager version \\(.*\\) are "
        + "different\\.\n", "");
  }

  @Test
  void configShowAndRoutesReadTheTenantsConfig() throws Exception {
    assertThat(amtool("config", "show")).contains("receiver: web").contains("db-pager");
    String routes = amtool("config", "routes");
    assertThat(routes).contains("Routing tree:").contains("receiver: web")
        .contains("{team=\"db\"}  continue: true  receiver: db-pager");
  }

  @Test
  void alertsAndSilencesRoundTripAndASilencedAlertIsReportedSuppressed() throws Exception {
    amtool("alert", "add", "alertname=Quiet", "team=db");
    amtool("alert", "add", "alertname=Loud");
    String id = amtool("silence", "add", "alertname=Quiet", "--comment=maintenance").strip();
    assertThat(id).matches("[0-9a-f-]{36}");

    assertThat(amtool("silence", "query", "-q").lines()).contains(id);
    assertThat(amtool("silence", "query")).contains("alertname=\"Quiet\"").contains("maintenance");
    String active = amtool("alert", "query");
    assertThat(active).contains("Loud").doesNotContain("Quiet");
    String silenced = amtool("alert", "query", "--silenced");
    assertThat(silenced.lines().filter(l -> l.startsWith("Quiet")).findFirst().orElseThrow()).contains("suppressed");
    assertThat(amtool("alert", "query", "-o", "extended", "--silenced", "team=db")).contains("Quiet")
        .doesNotContain("Loud");

    amtool("silence", "expire", id);
    assertThat(amtool("silence", "query", "-q").lines()).doesNotContain(id);
    assertThat(amtool("silence", "query", "--expired", "-q").lines()).contains(id);
    assertThat(amtool("alert", "query")).contains("Quiet").contains("Loud");
  }

  @Test
  void theRulersAlertReachesATenantsWebhookThroughTheReceivers() throws Exception {
    String tenant = "team-webhook";
    BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sink.createContext("/", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    sink.start();
    try {
      String config = """
          route:
            receiver: hook
            group_by: [alertname]
            group_wait: 1s
          receivers:
            - name: hook
              webhook_configs: [{url: 'SINK/hook'}]
          """.replace("SINK", "http://127.0.0.1:" + sink.getAddress().getPort());
      HttpResponse<String> stored = post("/api/v1/alerts", tenant, "alertmanager_config: |\n" + config.indent(2));
      assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
      HttpResponse<String> rules = post("/prometheus/config/v1/rules/ns", tenant, """
          name: paging
          interval: 1s
          rules:
            - alert: WebhookFiring
              expr: vector(1)
              labels: {severity: page}
          """);
      assertThat(rules.statusCode()).as(rules.body()).isEqualTo(202);

      String body = bodies.poll(60, TimeUnit.SECONDS);
      assertThat(body).as("a webhook notification within 60s").isNotNull();
      JsonNode message = new ObjectMapper().readTree(body);
      assertThat(message.get("version").asText()).isEqualTo("4");
      assertThat(message.get("receiver").asText()).isEqualTo("hook");
      assertThat(message.get("status").asText()).isEqualTo("firing");
      assertThat(message.get("groupKey").asText()).isEqualTo("{}:{alertname=\"WebhookFiring\"}");
      assertThat(message.at("/alerts/0/labels/severity").asText()).isEqualTo("page");
      assertThat(message.get("externalURL").asText()).startsWith("http://localhost:").endsWith("/alertmanager");
    } finally {
      sink.stop(0);
    }
  }

  @Test
  void theRulersAlertsReachThisProcesssAlertmanagerWithoutConfiguration() throws Exception {
    String tenant = "team-ruler";
    HttpResponse<String> stored = post("/prometheus/config/v1/rules/ns", tenant, """
        name: always
        interval: 1s
        rules:
          - alert: AlwaysFiring
            expr: vector(1)
            labels: {severity: page}
        """);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(202);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + narthex.httpPort() + "/alertmanager/api/v2/alerts"))
            .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString()).body(),
        alerts -> alerts.contains("\"alertname\":\"AlwaysFiring\"")
            && alerts.contains("\"severity\":\"page\""));
  }
}
