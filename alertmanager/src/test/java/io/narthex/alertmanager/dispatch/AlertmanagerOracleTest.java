package io.narthex.alertmanager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.OracleAlertmanager;
import io.narthex.alertmanager.TestPorts;
import io.narthex.alertmanager.dispatch.AlertStore.PostableAlert;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test against Debian's Alertmanager 0.25: the same config (routes with {@code continue}, {@code group_by}
 * with {@code ...}, an inhibition rule, webhook receivers), the same silence and the same alerts go to the real
 * Alertmanager and to the dispatch library; the groups, the alerts' silencedBy/inhibitedBy, and what the webhooks get
 * (then again after one alert resolves) must agree.
 */
class AlertmanagerOracleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      route:
        receiver: default
        group_by: [alertname]
        group_wait: 1s
        group_interval: 2s
        repeat_interval: 1h
        routes:
          - matchers: ['team="db"', 'alertname=~"Db.*"']
            receiver: db
            group_by: [alertname, cluster]
            continue: true
          - matchers: ['severity=~"critical|warning"']
            receiver: oncall
            group_by: ['...']
      inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [cluster]
      receivers:
        - name: default
          webhook_configs: [{url: 'SINK/default'}]
        - name: db
          webhook_configs: [{url: 'SINK/db'}]
        - name: oncall
          webhook_configs: [{url: 'SINK/oncall'}]
      """;
  private static final List<Map<String, String>> ALERTS = List.of(
      Map.of("alertname", "DbDown", "team", "db", "cluster", "c1", "severity", "critical"),
      Map.of("alertname", "DbSlow", "team", "db", "cluster", "c1", "severity", "warning"),
      Map.of("alertname", "DbSlow", "team", "db", "cluster", "c2", "severity", "warning"),
      Map.of("alertname", "Disk", "cluster", "c1", "severity", "info"),
      Map.of("alertname", "Disk", "cluster", "c2"),
      Map.of("alertname", "Cpu", "cluster", "c2", "severity", "critical", "team", "web"));

  @TempDir Path directory;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> webhookBodies = Collections.synchronizedList(new ArrayList<>());

  @Test
  void groupsMutingAndWebhookNotificationsMatchAlertmanager() throws Exception {
    OracleAlertmanager.assumeInstalled();
    HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", TestPorts.freePort()), 0);
    sink.createContext("/", exchange -> {
      webhookBodies.add(new String(exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    sink.start();
    String config = CONFIG.replace("SINK", "http://127.0.0.1:" + sink.getAddress().getPort());
    try (OracleAlertmanager am = OracleAlertmanager.start(directory, config)) {
      String base = am.url() + "/api/v2";
      Library lib = new Library(AlertmanagerConfig.parse(config), Instant.now());

      Instant silenceStart = Instant.now();
      Instant silenceEnd = silenceStart.plus(Duration.ofHours(1));
      String amSilence = JSON.readTree(post(base + "/silences", """
          {"matchers":[{"name":"severity","value":"info","isRegex":false,"isEqual":true}],
           "startsAt":"%s","endsAt":"%s","createdBy":"test","comment":"oracle"}
          """.formatted(silenceStart, silenceEnd))).get("silenceID").asText();
      String ourSilence = lib.silences.set(new Silence(null, Matcher.parseAll("severity=\"info\""), silenceStart,
          silenceEnd, null, "test", "oracle"), silenceStart);

      Instant posted = Instant.now();
      List<Map<String, Object>> body = new ArrayList<>();
      for (Map<String, String> labels : ALERTS) {
        body.add(Map.of("labels", labels));
      }
      post(base + "/alerts", JSON.writeValueAsString(body));
      lib.post(ALERTS.stream().map(l -> new PostableAlert(new TreeMap<>(l), Map.of(), null, null, null)).toList(),
          posted);
      lib.dispatcher.advanceTo(posted.plusMillis(1500));
      // group_wait is 1s: Alertmanager flushes every group once. Waited for (a loaded machine delivers late), then
      // looked at again at 2 s, when an extra notification would have come.
      awaitNotifications(webhookBodies, lib.notifications(), posted.plusMillis(2000));

      assertThat(groups(JSON.readTree(get(base + "/alerts/groups")))).isEqualTo(lib.groups());
      Map<String, String> silenceIds = Map.of(amSilence, ourSilence);
      assertThat(statuses(JSON.readTree(get(base + "/alerts")), silenceIds)).isEqualTo(lib.statuses(posted));
      // Not vacuous: the inhibited DbSlow alerts and the silenced Disk alert are muted, the other groups notified.
      assertThat(lib.notifications()).hasSize(4);
      assertThat(lib.statuses(posted)).filteredOn(s -> !s.endsWith("inhibitedBy=[]")).hasSize(2);

      // Resolve Disk{cluster=c2}: the next flush of its group reports it resolved, the other groups stay quiet.
      webhookBodies.clear();
      lib.sent.clear();
      Instant resolvedAt = Instant.now();
      Map<String, String> disk = ALERTS.get(4);
      post(base + "/alerts", JSON.writeValueAsString(List.of(Map.of("labels", disk, "endsAt", resolvedAt.toString()))));
      lib.post(List.of(new PostableAlert(new TreeMap<>(disk), Map.of(), null, resolvedAt, null)), resolvedAt);
      lib.dispatcher.advanceTo(resolvedAt.plusMillis(4000));
      assertThat(lib.notifications()).isNotEmpty();
      awaitNotifications(webhookBodies, lib.notifications(), resolvedAt.plusMillis(4500)); // two group intervals
      assertThat(groups(JSON.readTree(get(base + "/alerts/groups")))).isEqualTo(lib.groups());

      // Silences.Set: new matchers on an active silence expire it and create another; the same matchers with a
      // later end update in place.
      Instant now = Instant.now();
      String amReplaced = JSON.readTree(post(base + "/silences", silenceJson(amSilence, "debug", silenceStart,
          silenceEnd))).get("silenceID").asText();
      String ourReplaced = lib.silences.set(new Silence(ourSilence, Matcher.parseAll("severity=\"debug\""),
          silenceStart, silenceEnd, null, "test", "oracle"), now);
      assertThat(amReplaced).isNotEqualTo(amSilence);
      assertThat(ourReplaced).isNotEqualTo(ourSilence);
      assertThat(JSON.readTree(get(base + "/silence/" + amSilence)).at("/status/state").asText())
          .isEqualTo(lib.silences.get(ourSilence).state(now.plusMillis(1)).apiName()).isEqualTo("expired");
      JsonNode amNew = JSON.readTree(get(base + "/silence/" + amReplaced));
      Instant amNewStart = Instant.parse(amNew.get("startsAt").asText());
      String amExtended = JSON.readTree(post(base + "/silences", silenceJson(amReplaced, "debug", amNewStart,
          silenceEnd.plusSeconds(60)))).get("silenceID").asText();
      String ourExtended = lib.silences.set(new Silence(ourReplaced, Matcher.parseAll("severity=\"debug\""),
          lib.silences.get(ourReplaced).startsAt(), silenceEnd.plusSeconds(60), null, "test", "oracle"), now);
      assertThat(amExtended).isEqualTo(amReplaced);
      assertThat(ourExtended).isEqualTo(ourReplaced);
    } finally {
      sink.stop(0);
    }
  }

  /** The library as a tenant's Alertmanager, recording what its integrations are asked to send. */
  private static final class Library {
    final List<NotificationPipeline.Notification> sent = new ArrayList<>();
    final TenantAlertmanager tenant;
    final Silences silences;
    final Dispatcher dispatcher;

    Library(AlertmanagerConfig config, Instant start) {
      tenant = new TenantAlertmanager(config, TenantAlertmanager.Settings.DEFAULTS, n -> sent.add(n), start);
      silences = tenant.silences();
      dispatcher = tenant.dispatcher();
    }

    void post(List<PostableAlert> alerts, Instant now) {
      assertThat(tenant.post(alerts, now).invalid()).isEmpty();
    }

    Set<String> groups() {
      Set<String> out = new TreeSet<>();
      for (Dispatcher.GroupSnapshot g : dispatcher.groups()) {
        if (!g.alerts().isEmpty()) {
          out.add(g.route().receiver() + " " + g.labels() + " " + Fixtures.fingerprints(g.alerts()));
        }
      }
      return out;
    }

    Set<String> statuses(Instant now) {
      Set<String> out = new TreeSet<>();
      for (Alert a : tenant.alerts().list()) {
        TenantAlertmanager.AlertStatus s = tenant.status(a, now);
        out.add(a.fingerprintHex() + " " + s.state() + " receivers=" + s.receivers() + " silencedBy="
            + s.silencedBy() + " inhibitedBy=" + s.inhibitedBy());
      }
      return out;
    }

    List<String> notifications() {
      List<String> out = new ArrayList<>();
      for (NotificationPipeline.Notification n : sent) {
        NotificationRequest r = n.request();
        List<String> alerts = n.alerts().stream()
            .map(a -> a.fingerprintHex() + (a.resolvedAt(r.now()) ? ":resolved" : ":firing")).toList();
        boolean firing = n.alerts().stream().anyMatch(a -> !a.resolvedAt(r.now()));
        out.add(r.receiver() + " " + r.groupKey() + " " + r.groupLabels() + " " + (firing ? "firing" : "resolved")
            + " " + alerts);
      }
      out.sort(null);
      return out;
    }
  }

  private static String silenceJson(String id, String severity, Instant start, Instant end) {
    return """
        {"id":"%s","matchers":[{"name":"severity","value":"%s","isRegex":false,"isEqual":true}],
         "startsAt":"%s","endsAt":"%s","createdBy":"test","comment":"oracle"}
        """.formatted(id, severity, start, end);
  }

  private static Set<String> groups(JsonNode groups) {
    Set<String> out = new TreeSet<>();
    for (JsonNode g : groups) {
      List<String> fps = new ArrayList<>();
      g.get("alerts").forEach(a -> fps.add(a.get("fingerprint").asText()));
      out.add(g.get("receiver").get("name").asText() + " " + labels(g.get("labels")) + " " + fps);
    }
    return out;
  }

  private static Set<String> statuses(JsonNode alerts, Map<String, String> silenceIds) {
    Set<String> out = new TreeSet<>();
    for (JsonNode a : alerts) {
      List<String> silenced = new ArrayList<>();
      a.get("status").get("silencedBy").forEach(s -> silenced.add(silenceIds.get(s.asText())));
      List<String> inhibited = new ArrayList<>();
      a.get("status").get("inhibitedBy").forEach(s -> inhibited.add(s.asText()));
      List<String> receivers = new ArrayList<>();
      a.get("receivers").forEach(r -> receivers.add(r.get("name").asText()));
      out.add(a.get("fingerprint").asText() + " " + a.get("status").get("state").asText() + " receivers=" + receivers
          + " silencedBy=" + silenced + " inhibitedBy=" + inhibited);
    }
    return out;
  }

  private static List<String> notifications(List<String> bodies) throws IOException {
    List<String> out = new ArrayList<>();
    for (String body : List.copyOf(bodies)) {
      JsonNode n = JSON.readTree(body);
      List<String> alerts = new ArrayList<>();
      n.get("alerts").forEach(a -> alerts.add(a.get("fingerprint").asText() + ":" + a.get("status").asText()));
      out.add(n.get("receiver").asText() + " " + n.get("groupKey").asText() + " " + labels(n.get("groupLabels")) + " "
          + n.get("status").asText() + " " + alerts);
    }
    out.sort(null);
    return out;
  }

  private static TreeMap<String, String> labels(JsonNode node) {
    TreeMap<String, String> out = new TreeMap<>();
    node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private String get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private String post(String url, String json) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  /**
   * Waits (up to 20 s) until the webhook has received exactly {@code expected}, then until {@code quietUntil}, and
   * checks again: a notification Alertmanager should not have sent shows by then.
   */
  private static void awaitNotifications(List<String> webhookBodies, Object expected, Instant quietUntil)
      throws Exception {
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(notifications(webhookBodies)).isEqualTo(expected));
    long quietMs = Duration.between(Instant.now(), quietUntil).toMillis();
    if (quietMs > 0) {
      Thread.sleep(quietMs);
    }
    assertThat(notifications(webhookBodies)).isEqualTo(expected);
  }
}
