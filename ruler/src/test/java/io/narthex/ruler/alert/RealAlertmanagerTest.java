package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.narthex.promql.Sample;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code prometheus-alertmanager} (0.25) as the oracle: an alerting rule's firing alert, sent by the
 * notifier, reaches a webhook receiver with its labels and annotations, {@code amtool alert query} lists it, and its
 * resolution is notified. Skipped when the package is not installed ({@code .ci/run} installs it).
 */
class RealAlertmanagerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path directory;
  private final BlockingQueue<JsonNode> webhooks = new LinkedBlockingQueue<>();
  private HttpServer webhook;
  private Process alertmanager;

  @AfterEach
  void stop() throws InterruptedException {
    if (alertmanager != null) {
      alertmanager.destroy();
      alertmanager.waitFor(10, TimeUnit.SECONDS);
    }
    if (webhook != null) {
      webhook.stop(0);
    }
  }

  private static String which(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File file = new File(dir, binary);
      if (file.canExecute()) {
        return file.getPath();
      }
    }
    return null;
  }

  @Test
  void alertmanagerNotifiesTheFiringAlertThenItsResolution() throws Exception {
    String binary = which("prometheus-alertmanager");
    Assumptions.assumeTrue(binary != null,
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager; .ci/run does)");
    webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    webhook.createContext("/hook", exchange -> {
      webhooks.add(JSON.readTree(exchange.getRequestBody()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    webhook.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    webhook.start();
    int port = startAlertmanager(binary);

    AlertingRule rule = new AlertingRule("DiskFull", "disk_used > 0.9", 0, 0, Labels.of("severity", "page"),
        Labels.of("summary", "disk of {{ $labels.instance }} is full"),
        (name, text, series, value, ts) -> text.replace("{{ $labels.instance }}", series.get("instance")), true);
    Sample series = new Sample(Labels.of("__name__", "disk_used", "instance", "db-1"), 0, 0.95);
    NotifierMetrics metrics = new NotifierMetrics(new PrometheusRegistry());
    String alertmanagerUrl = "http://127.0.0.1:" + port;
    try (Notifiers notifiers = new Notifiers(new Notifiers.Settings(AlertmanagerUrls.parse(alertmanagerUrl), 100,
        Duration.ofSeconds(10), "http://narthex.example", Map.of()), metrics)) {
      long now = System.currentTimeMillis();
      rule.eval(List.of(series), now, 0, 0);
      notifiers.send("tenant-a", rule.expr(), rule.alertsToSend(now, 60_000, 1000));

      JsonNode firing = nextWebhook();
      assertThat(firing.get("status").asText()).isEqualTo("firing");
      JsonNode alert = firing.get("alerts").get(0);
      assertThat(alert.get("labels")).isEqualTo(JSON.readTree(
          "{\"alertname\":\"DiskFull\",\"instance\":\"db-1\",\"severity\":\"page\"}"));
      assertThat(alert.get("annotations").get("summary").asText()).isEqualTo("disk of db-1 is full");
      assertThat(alert.get("generatorURL").asText())
          .isEqualTo("http://narthex.example/graph?g0.expr=disk_used+%3E+0.9&g0.tab=1");

      Process amtool = new ProcessBuilder(which("amtool"), "alert", "query", "alertname=DiskFull",
          "--alertmanager.url=" + alertmanagerUrl, "-o", "json").redirectErrorStream(true).start();
      String listed = new String(amtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(amtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(amtool.exitValue()).as(listed).isZero();
      assertThat(JSON.readTree(listed).get(0).get("labels").get("instance").asText()).isEqualTo("db-1");

      // Resolved at an instant already past when sent, as an evaluation's is: Alertmanager keeps a later endsAt it
      // knows over an earlier one still in the future.
      long later = Math.max(now + 1, System.currentTimeMillis());
      rule.eval(List.of(), later, 0, 0);
      notifiers.send("tenant-a", rule.expr(), rule.alertsToSend(later, 60_000, 1000));
      JsonNode resolved = nextWebhook();
      assertThat(resolved.get("status").asText()).isEqualTo("resolved");
      assertThat(resolved.get("alerts").get(0).get("labels").get("alertname").asText()).isEqualTo("DiskFull");
    }
  }

  private JsonNode nextWebhook() throws InterruptedException {
    JsonNode body = webhooks.poll(60, TimeUnit.SECONDS);
    assertThat(body).as("the webhook was called").isNotNull();
    return body;
  }

  /** Starts Alertmanager on a free loopback port below 32768 (out of the ephemeral range), clustering off. */
  private int startAlertmanager(String binary) throws IOException, InterruptedException {
    Path config = directory.resolve("alertmanager.yml");
    Files.writeString(config, """
        route:
          receiver: hook
          group_by: ['alertname']
          group_wait: 0s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: hook
            webhook_configs:
              - url: http://127.0.0.1:%d/hook
                send_resolved: true
        """.formatted(webhook.getAddress().getPort()));
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        probe.setReuseAddress(true);
      } catch (IOException taken) {
        continue;
      }
      alertmanager = new ProcessBuilder(binary, "--config.file=" + config,
          "--storage.path=" + directory.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
          "--cluster.listen-address=").redirectErrorStream(true)
          .redirectOutput(directory.resolve("alertmanager.log").toFile()).start();
      if (awaitReady(port)) {
        return port;
      }
      alertmanager.destroy();
      alertmanager.waitFor(10, TimeUnit.SECONDS);
    }
    throw new IllegalStateException("Alertmanager did not start: "
        + Files.readString(directory.resolve("alertmanager.log")));
  }

  private boolean awaitReady(int port) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && alertmanager.isAlive()) {
      try {
        HttpResponse<Void> response = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    return false;
  }
}
