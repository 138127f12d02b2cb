package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The notifier against a local HTTP sink that records what an Alertmanager would receive. */
class NotifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long T0 = 1_700_000_000_000L;

  record Received(String path, String tenant, String authorization, JsonNode body) {}

  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final NotifierMetrics metrics = new NotifierMetrics(new PrometheusRegistry());
  private volatile int status = 200;
  private volatile CountDownLatch release = new CountDownLatch(0);
  private HttpServer sink;

  @BeforeEach
  void startSink() throws Exception {
    sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    sink.createContext("/", exchange -> {
      received.add(new Received(exchange.getRequestURI().getPath(),
          exchange.getRequestHeaders().getFirst("X-Scope-OrgID"),
          exchange.getRequestHeaders().getFirst("Authorization"),
          JSON.readTree(exchange.getRequestBody())));
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    sink.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    sink.start();
  }

  @AfterEach
  void stopSink() {
    release.countDown();
    sink.stop(0);
  }

  private String sinkUrl(String userInfo, String path) {
    return "http://" + userInfo + "127.0.0.1:" + sink.getAddress().getPort() + path;
  }

  private Notifier notifier(String urls, int capacity) {
    return new Notifier("tenant-a", AlertmanagerUrls.parse(urls), capacity, Duration.ofSeconds(10),
        Map.of("cluster", "eu", "job", "external"), metrics, Notifiers.client(Duration.ofSeconds(10)));
  }

  private static Notifier.PostableAlert alert(String name) {
    return new Notifier.PostableAlert(Labels.of("alertname", name, "job", "api"), Labels.of("summary", "s " + name),
        T0, T0 + 240_000, "http://narthex/graph?g0.expr=up&g0.tab=1");
  }

  private Received next() throws InterruptedException {
    Received request = received.poll(30, TimeUnit.SECONDS);
    assertThat(request).as("a request reached the sink").isNotNull();
    return request;
  }

  @Test
  void postsApiV2AlertsWithTenantBasicAuthAndExternalLabels() throws Exception {
    try (Notifier notifier = notifier(sinkUrl("ruler:s%40cret@", "/alertmanager/"), 100)) {
      notifier.send(List.of(alert("A")));
      Received request = next();
      assertThat(request.path()).isEqualTo("/alertmanager/api/v2/alerts");
      assertThat(request.tenant()).isEqualTo("tenant-a");
      assertThat(request.authorization()).isEqualTo("Basic cnVsZXI6c0BjcmV0");
      assertThat(request.body().toString()).isEqualTo("[{\"labels\":{\"alertname\":\"A\",\"cluster\":\"eu\","
          + "\"job\":\"api\"},\"annotations\":{\"summary\":\"s A\"},\"startsAt\":\"2023-11-14T22:13:20.000Z\","
          + "\"endsAt\":\"2023-11-14T22:17:20.000Z\",\"generatorURL\":\"http://narthex/graph?g0.expr=up&g0.tab=1\"}]");
    }
  }

  @Test
  void sendsEachBatchToEveryAlertmanagerInBatchesOfAtMost256() throws Exception {
    release = new CountDownLatch(1);
    try (Notifier notifier = notifier(sinkUrl("", "/one") + "," + sinkUrl("", "/two"), 1000)) {
      notifier.send(List.of(alert("first")));
      List<Received> firstBatch = List.of(next(), next());
      assertThat(firstBatch).extracting(Received::path)
          .containsExactlyInAnyOrder("/one/api/v2/alerts", "/two/api/v2/alerts");
      List<Notifier.PostableAlert> many = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        many.add(alert("a" + i));
      }
      notifier.send(many);
      release.countDown();
      List<Integer> sizes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sizes.add(next().body().size());
      }
      assertThat(sizes).containsExactlyInAnyOrder(256, 256, 44, 44);
    }
  }

  @Test
  void fullQueueDropsTheOldestAlertsAndCountsThem() throws Exception {
    release = new CountDownLatch(1);
    try (Notifier notifier = notifier(sinkUrl("", ""), 2)) {
      notifier.send(List.of(alert("in-flight")));
      next();
      notifier.send(List.of(alert("oldest"), alert("middle")));
      notifier.send(List.of(alert("newest")));
      assertThat(notifier.queueLength()).isEqualTo(2);
      assertThat(metrics.droppedTotal("tenant-a")).isEqualTo(1);
      notifier.send(List.of(alert("b1"), alert("b2"), alert("b3")));
      assertThat(metrics.droppedTotal("tenant-a")).as("1 of the batch itself, then 2 from the queue").isEqualTo(4);
      release.countDown();
      JsonNode body = next().body();
      assertThat(List.of(body.get(0).get("labels").get("alertname").asText(),
          body.get(1).get("labels").get("alertname").asText())).containsExactly("b2", "b3");
    }
  }

  @Test
  void batchThatNoAlertmanagerTookIsCountedAsErrorsAndDropped() throws Exception {
    status = 500;
    String url = sinkUrl("", "");
    try (Notifier notifier = notifier(url, 100)) {
      notifier.send(List.of(alert("A"), alert("B")));
      next();
      String display = AlertmanagerUrls.parse(url).getFirst().display();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (metrics.droppedTotal("tenant-a") < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(metrics.droppedTotal("tenant-a")).isEqualTo(2);
      assertThat(metrics.errorsTotal("tenant-a", display)).isEqualTo(2);
      assertThat(metrics.sentTotal("tenant-a", display)).isEqualTo(2);
    }
  }

  @Test
  void generatorUrlEscapesTheExpressionAsGoQueryEscape() {
    assertThat(Notifiers.generatorUrl("http://x", "rate(a{b=\"c~d\"}[5m]) > 0.5 * 1"))
        .isEqualTo("http://x/graph?g0.expr=rate%28a%7Bb%3D%22c~d%22%7D%5B5m%5D%29+%3E+0.5+%2A+1&g0.tab=1");
  }

  @Test
  void basicAuthPasswordKeepsAPlusAsGoUnescapesUserInfo() {
    String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(
        "u+1:a+b c".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(AlertmanagerUrls.parse("http://u+1:a+b%20c@am:9093").getFirst().authorization()).isEqualTo(expected);
  }

  @Test
  void rejectsAlertmanagerUrlsThatAreNotHttp() {
    assertThatThrownBy(() -> AlertmanagerUrls.parse("dnssrv+http://u:p@am/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<redacted>@am/x")
        .hasMessageNotContaining("u:p");
    assertThat(AlertmanagerUrls.parse(" , ")).isEmpty();
  }

  @Test
  void rejectsAQueueWithoutCapacityNamingTheFlag() {
    assertThatThrownBy(() -> new Notifiers.Settings(List.of(), 0, Duration.ofSeconds(1), "", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-ruler.notification-queue-capacity must be at least 1, got 0");
  }
}
