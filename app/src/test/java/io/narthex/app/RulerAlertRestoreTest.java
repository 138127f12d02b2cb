package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An alert's {@code for} clock survives a ruler restart (issue 15, mimir#2888): the restarted process restores the
 * alert's {@code activeAt} from the {@code ALERTS_FOR_STATE} series the first one wrote, so the alert fires at the
 * original {@code activeAt + for}, not {@code for} after the restart. The same process sends its alerts to
 * {@code -ruler.alertmanager-url}.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class RulerAlertRestoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The stop and the restart must end within {@code for} minus the 1 s grace of the original activeAt, or the
   * restore rule (activeAt no earlier than the restore plus grace minus for) rightly moves activeAt: 25 s leaves
   * room for a slow graceful stop and start on a loaded machine.
   */
  private static final long FOR_SECONDS = 25;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void restartedRulerFiresAtTheOriginalActiveAtPlusFor() throws Exception {
    // An Alertmanager stand-in: what the ruler posts to <url>/api/v2/alerts.
    BlockingQueue<String> posted = new LinkedBlockingQueue<>();
    HttpServer alertmanager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    alertmanager.createContext("/am/api/v2/alerts", exchange -> {
      posted.add(exchange.getRequestHeaders().getFirst("X-Scope-OrgID") + " "
          + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    alertmanager.start();
    String[] flags = {"--ruler.evaluation-delay-duration=0s", "--ruler.for-grace-period=1s",
        "--ruler.alertmanager-url=http://127.0.0.1:" + alertmanager.getAddress().getPort() + "/am",
        "--ruler.external.url=https://narthex.example"};
    try {
      restartAndFire(flags, posted);
    } finally {
      alertmanager.stop(0);
    }
  }

  private void restartAndFire(String[] flags, BlockingQueue<String> posted) throws Exception {
    Instant activeAt;
    try (Narthex narthex = SingleProcess.start(dir, flags)) {
      HttpResponse<String> set = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + narthex.httpPort() + "/prometheus/config/v1/rules/ns"))
          .header("X-Scope-OrgID", "tenant-a").POST(HttpRequest.BodyPublishers.ofString("""
              name: g
              interval: 1s
              rules:
                - alert: AlwaysOn
                  expr: vector(1)
                  for: %ds
                  labels:
                    severity: page
                - alert: FiresAtOnce
                  expr: vector(7)
                  annotations:
                    summary: 'value {{ $value }} at {{ $externalURL }}'
              """.formatted(FOR_SECONDS))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).as(set.body()).isEqualTo(202);
      AtomicReference<Instant> pendingSince = new AtomicReference<>();
      // Pending, and its ALERTS_FOR_STATE written: what a restarted ruler reads back.
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        JsonNode alert = onlyAlert(narthex);
        assertThat(alert.get("state").asText()).isEqualTo("pending");
        assertThat(query(narthex, "ALERTS_FOR_STATE{alertname=\"AlwaysOn\"}")).hasSize(1);
        pendingSince.set(Instant.parse(alert.get("activeAt").asText()));
      });
      activeAt = pendingSince.get();
      // The rule without for was sent to the Alertmanager, as the tenant, its annotation templated.
      String sent = posted.poll(20, TimeUnit.SECONDS);
      assertThat(sent).startsWith("tenant-a [{\"labels\":{\"alertname\":\"FiresAtOnce\"},\"annotations\":"
          + "{\"summary\":\"value 7 at https://narthex.example\"}");
    }

    try (Narthex restarted = SingleProcess.start(dir, flags)) {
      AtomicReference<JsonNode> firing = new AtomicReference<>();
      Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        JsonNode alert = onlyAlert(restarted);
        assertThat(alert.get("state").asText()).isEqualTo("firing");
        firing.set(alert);
      });
      // ALERTS_FOR_STATE keeps whole seconds, so the restored activeAt is the original one rounded down.
      long activeAtSeconds = activeAt.getEpochSecond();
      assertThat(Instant.parse(firing.get().get("activeAt").asText()).getEpochSecond()).isEqualTo(activeAtSeconds);
      // The first evaluation at which it fired (the first ALERTS{alertstate="firing"} sample) is within one
      // interval of activeAt + for; from a reset clock it would be for after the restart's first evaluation.
      // (The evaluation's write may land just after the API shows the alert firing.)
      AtomicReference<JsonNode> firstFiring = new AtomicReference<>();
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        firstFiring.set(query(restarted, "min_over_time(timestamp(ALERTS{alertname=\"AlwaysOn\",alertstate=\"firing\"})[1m:1s])"));
        assertThat(firstFiring.get()).hasSize(1);
      });
      double firedAtSeconds = Double.parseDouble(firstFiring.get().get(0).get("value").get(1).asText());
      assertThat(firedAtSeconds).isBetween((double) activeAtSeconds + FOR_SECONDS,
          (double) activeAtSeconds + FOR_SECONDS + 2);
    }
  }

  private JsonNode onlyAlert(Narthex narthex) throws Exception {
    JsonNode found = null;
    for (JsonNode alert : get(narthex, "/prometheus/api/v1/alerts").at("/data/alerts")) {
      if (alert.at("/labels/alertname").asText().equals("AlwaysOn")) {
        assertThat(found).isNull();
        found = alert;
      }
    }
    assertThat(found).isNotNull();
    return found;
  }

  private JsonNode query(Narthex narthex, String expr) throws Exception {
    return get(narthex, "/prometheus/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8))
        .at("/data/result");
  }

  private JsonNode get(Narthex narthex, String path) throws Exception {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + narthex.httpPort() + path)).header("X-Scope-OrgID", "tenant-a").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
