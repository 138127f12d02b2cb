package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.narthex.app.Narthex;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 16's "e2e against the oracle": Debian's Alertmanager 0.25 ({@code /usr/bin/prometheus-alertmanager}) and an
 * in-JVM Narthex ({@code -target=alertmanager}) run the same configuration (a routing tree with {@code continue},
 * {@code group_by}, an inhibition rule; webhook, Slack-shaped and email receivers), get the same silence and the
 * same alerts with the same times, and notify their own loopback sinks: an HTTP server and Debian's aiosmtpd each.
 * The notifications must be the same (groups, alerts, status, labels, rendered text) and arrive at the same offsets
 * from each system's first post of alerts, within 10% of {@code group_wait} for a group's first flush and of
 * {@code group_interval} for later ones.
 *
 * <p>What is not compared, because it legitimately differs: nothing in the webhook and Slack JSON (both systems are
 * given the same external URL, and the group keys are Alertmanager's in both); in the emails, {@code Date},
 * {@code Message-Id} (each sender makes its own) and aiosmtpd's {@code X-Peer} (the sender's port).
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class AlertmanagerOracleTest {
  private static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String TENANT = "team-oracle";
  private static final String EXTERNAL_URL = "http://alertmanager.example";
  private static final Duration GROUP_WAIT = Duration.ofSeconds(2);
  private static final Duration GROUP_INTERVAL = Duration.ofSeconds(4);
  // The resolutions are posted between a group's first flush (group_wait) and its second (+ group_interval).
  private static final Duration RESOLVE_AT = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      global:
        smtp_smarthost: 127.0.0.1:SMTP_PORT
        smtp_from: Alertmanager <am@example.com>
        smtp_require_tls: false
      route:
        receiver: web
        group_by: [alertname]
        group_wait: 2s
        group_interval: 4s
        repeat_interval: 1h
        routes:
          - matchers: [team="db"]
            receiver: db-slack
            group_by: [alertname, cluster]
            continue: true
          - matchers: [severity="critical"]
            receiver: oncall-mail
      inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [cluster]
      receivers:
        - name: web
          webhook_configs:
            - url: SINK/webhook
        - name: db-slack
          slack_configs:
            - api_url: SINK/slack
              channel: '#db'
              send_resolved: true
              text: '{{ range .Alerts }}{{ .Status }} {{ .Labels.cluster }}: {{ .Annotations.summary }}{{ "\\n" }}{{ end }}'
              fields:
                - title: Severity
                  value: '{{ .CommonLabels.severity }}'
                  short: true
        - name: oncall-mail
          email_configs:
            - to: oncall@example.com
              send_resolved: true
              html: '<p>{{ .Status }}: {{ range .Alerts }}{{ .Labels.alertname }}/{{ .Labels.cluster }} {{ end }}</p>'
              text: '{{ template "__text_alert_list" .Alerts }}'
      """;
  // Routed to db-slack and, through continue, to oncall-mail; inhibits DB_SLOW (same cluster) while it fires.
  private static final Map<String, String> DB_DOWN =
      Map.of("alertname", "DbDown", "team", "db", "cluster", "c1", "severity", "critical");
  private static final Map<String, String> DB_SLOW =
      Map.of("alertname", "DbSlow", "team", "db", "cluster", "c1", "severity", "warning");
  private static final Map<String, String> DISK_1 =
      Map.of("alertname", "Disk", "cluster", "c1", "instance", "i1", "severity", "info");
  private static final Map<String, String> DISK_2 =
      Map.of("alertname", "Disk", "cluster", "c2", "instance", "i2", "severity", "info");
  // Silenced.
  private static final Map<String, String> CPU = Map.of("alertname", "Cpu", "cluster", "c2", "instance", "i3");

  @TempDir static Path work;
  private static Sinks alertmanagerSinks;
  private static Sinks narthexSinks;
  private static ExternalProcess alertmanager;
  private static Narthex narthex;
  private static Api alertmanagerApi;
  private static Api narthexApi;

  @BeforeAll
  static void start() throws Exception {
    ExternalProcess.assumeInstalled(Files.isExecutable(ALERTMANAGER),
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager): skipping");
    ExternalProcess.assumeInstalled(Files.isExecutable(PYTHON)
            && new ProcessBuilder(PYTHON.toString(), "-c", "import aiosmtpd").start().waitFor() == 0,
        "aiosmtpd is not installed (apt-get install python3-aiosmtpd): skipping");
    alertmanagerSinks = Sinks.start("alertmanager", work.resolve("alertmanager-mail"));
    narthexSinks = Sinks.start("narthex", work.resolve("narthex-mail"));

    Path configFile = work.resolve("alertmanager.yml");
    Files.writeString(configFile, alertmanagerSinks.config());
    int port = ExternalProcess.freePort();
    alertmanager = ExternalProcess.start("oracle-alertmanager", List.of(ALERTMANAGER.toString(),
        "--config.file=" + configFile, "--storage.path=" + work.resolve("alertmanager-data"),
        "--cluster.listen-address=", "--web.listen-address=127.0.0.1:" + port, "--web.external-url=" + EXTERNAL_URL));
    alertmanagerApi = new Api("http://127.0.0.1:" + port + "/api/v2", Map.of());

    narthex = InJvmNarthex.start(work.resolve("narthex"), "--target=alertmanager",
        "--alertmanager.web.external-url=" + EXTERNAL_URL);
    String narthexUrl = "http://127.0.0.1:" + narthex.httpPort();
    narthexApi = new Api(narthexUrl + "/alertmanager/api/v2", Map.of("X-Scope-OrgID", TENANT));
    storeConfig(narthexUrl, TENANT, narthexSinks.config());

    alertmanager.awaitHttpOk("http://127.0.0.1:" + port + "/-/ready", Duration.ofSeconds(20));
    alertmanagerSinks.awaitSmtp();
    narthexSinks.awaitSmtp();
    warmUp(narthexUrl);
  }

  private static void storeConfig(String narthexUrl, String tenant, String config) throws Exception {
    HttpResponse<String> stored = Api.HTTP.send(HttpRequest.newBuilder(URI.create(narthexUrl + "/api/v1/alerts"))
        .header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofString("alertmanager_config: |\n" + config.indent(2)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
  }

  /**
   * Has a fresh JVM send one notification of each kind before the compared sequence, so that the sequence starts in
   * a process that has been running. A cold JVM spends 0.1 to 0.2 s more on its first notifications (the first use
   * of the JDK's HTTP exchange and of Jakarta Mail), which a Go binary does not: without this, Narthex's first
   * flush arrived at 2.10 s (webhook, Slack) and 2.20 to 2.23 s (email) against Alertmanager's 2.01 to 2.03 s. Another
   * tenant, with {@code group_wait: 0s}, notifies at once, so this costs well under a second.
   */
  private static void warmUp(String narthexUrl) throws Exception {
    String tenant = "warm-up";
    storeConfig(narthexUrl, tenant, narthexSinks.config().replace("group_wait: 2s", "group_wait: 0s"));
    new Api(narthexUrl + "/alertmanager/api/v2", Map.of("X-Scope-OrgID", tenant))
        .post("/alerts", alerts(Instant.now(), null, DB_DOWN, DISK_1));
    // Slack and email for DbDown, the webhook for Disk.
    await("the warm-up's notifications").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> narthexSinks.notifications(Instant.now()).size() == 3);
    narthexSinks.clear();
  }

  @AfterAll
  static void stop() throws Exception {
    if (narthex != null) {
      narthex.close();
    }
    if (alertmanager != null) {
      alertmanager.close();
    }
    for (Sinks sinks : new Sinks[] {alertmanagerSinks, narthexSinks}) {
      if (sinks != null) {
        sinks.close();
      }
    }
  }

  @Test
  void notifiesTheSameGroupsWithTheSameTextsAtTheSameTimesAsAlertmanager() throws Exception {
    Instant now = Instant.now();
    String silence = JSON.writeValueAsString(Map.of(
        "matchers", List.of(Map.of("name", "alertname", "value", "Cpu", "isRegex", false, "isEqual", true)),
        "startsAt", now.toString(), "endsAt", now.plus(Duration.ofHours(1)).toString(),
        "createdBy", "oracle", "comment", "maintenance"));
    alertmanagerApi.post("/silences", silence);
    narthexApi.post("/silences", silence);

    // Less than group_wait old at the post, so that both wait group_wait before the first flush.
    Instant startsAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String firing = alerts(startsAt, null, DB_DOWN, DB_SLOW, DISK_1, DISK_2, CPU);
    // Ended before they are posted: resolved at once, which also ends DB_DOWN's inhibition of DB_SLOW.
    String resolved = alerts(startsAt, startsAt.plusSeconds(2), DB_DOWN, DISK_1);
    Instant alertmanagerStart = alertmanagerApi.post("/alerts", firing);
    Instant narthexStart = narthexApi.post("/alerts", firing);
    sleepUntil(alertmanagerStart.plus(RESOLVE_AT));
    alertmanagerApi.post("/alerts", resolved);
    sleepUntil(narthexStart.plus(RESOLVE_AT));
    narthexApi.post("/alerts", resolved);
    // Past the group_interval tick after the resolutions' flush, so that a notification sent again would be seen.
    Duration lastTick = GROUP_WAIT.plus(GROUP_INTERVAL.multipliedBy(2));
    sleepUntil(narthexStart.plus(lastTick).plus(GROUP_INTERVAL.dividedBy(10)));

    Map<String, Notification> expected = alertmanagerSinks.notifications(alertmanagerStart);
    Map<String, Notification> actual = narthexSinks.notifications(narthexStart);

    // The oracle went through the scenario: DbSlow notified only once DbDown resolved, Cpu never (silenced).
    assertThat(expected.keySet()).containsExactly(
        "email DbDown #1", "email DbDown #2",
        "slack DbDown c1 #1", "slack DbDown c1 #2", "slack DbSlow c1 #1",
        "webhook {}:{alertname=\"Disk\"} #1", "webhook {}:{alertname=\"Disk\"} #2");
    assertThat(expected.get("slack DbSlow c1 #1").at()).isGreaterThan(GROUP_WAIT.plus(GROUP_INTERVAL).minusMillis(50));

    Map<String, Object> expectedContent = new TreeMap<>();
    Map<String, Object> actualContent = new TreeMap<>();
    expected.forEach((key, n) -> expectedContent.put(key, n.content()));
    actual.forEach((key, n) -> actualContent.put(key, n.content()));
    assertThat(actualContent).isEqualTo(expectedContent);

    // Every offset side by side, so that a failure shows the whole sequence.
    StringBuilder offsets = new StringBuilder("offsets after the first post (Alertmanager / Narthex):");
    expected.forEach((key, n) -> offsets.append("\n  ").append(key).append(": ").append(n.at().toMillis())
        .append(" / ").append(actual.get(key).at().toMillis()).append(" ms"));
    for (Map.Entry<String, Notification> e : expected.entrySet()) {
      Duration oracle = e.getValue().at();
      Duration ours = actual.get(e.getKey()).at();
      // A group's first flush waits group_wait; every later one group_interval after the previous. A quarter of
      // it: a wrong timer is off by a whole period, while the emails' times come from two SMTP servers that a
      // loaded machine schedules differently.
      Duration allowed = (oracle.compareTo(GROUP_WAIT.plus(GROUP_INTERVAL.dividedBy(2))) < 0
          ? GROUP_WAIT : GROUP_INTERVAL).dividedBy(4);
      assertThat(ours).as("%s, allowed +-%s ms; %s", e.getKey(), allowed.toMillis(), offsets)
          .isBetween(oracle.minus(allowed), oracle.plus(allowed));
    }
  }

  /** A JSON array of postable alerts with {@code labels}, an annotation, the same times and generator URL. */
  @SafeVarargs
  private static String alerts(Instant startsAt, Instant endsAt, Map<String, String>... labelSets)
      throws IOException {
    ArrayNode array = JSON.createArrayNode();
    for (Map<String, String> labels : labelSets) {
      ObjectNode alert = array.addObject();
      alert.set("labels", JSON.valueToTree(labels));
      alert.set("annotations", JSON.valueToTree(Map.of("summary",
          labels.get("alertname") + " on " + labels.get("cluster"))));
      alert.put("startsAt", startsAt.toString());
      if (endsAt != null) {
        alert.put("endsAt", endsAt.toString());
      }
      alert.put("generatorURL", "http://prometheus.example/graph?g0.expr=up");
    }
    return JSON.writeValueAsString(array);
  }

  private static void sleepUntil(Instant instant) throws InterruptedException {
    long millis = Duration.between(Instant.now(), instant).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  /** One system's Alertmanager API v2. */
  private record Api(String baseUrl, Map<String, String> headers) {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Posts {@code json} to {@code path}, expecting 200; returns the instant the request was sent. */
    Instant post(String path, String json) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
      headers.forEach(request::header);
      Instant sent = Instant.now();
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(baseUrl + path + ": " + response.body()).isEqualTo(200);
      return sent;
    }
  }

  /**
   * A notification as received: when (after the first post of alerts) and its content (the JSON body, or the
   * email's compared headers and parts).
   */
  private record Notification(Duration at, Object content) {}

  /** One arrival at the HTTP sink. */
  private record Arrival(Instant at, String path, String body) {}

  /** One system's receivers: an HTTP sink for the webhook and Slack, and aiosmtpd writing a maildir. */
  private static final class Sinks implements AutoCloseable {
    private final HttpServer http;
    private final List<Arrival> arrivals = new ArrayList<>();
    private final ExternalProcess smtp;
    private final int smtpPort;
    private final Path maildir;

    private Sinks(HttpServer http, ExternalProcess smtp, int smtpPort, Path maildir) {
      this.http = http;
      this.smtp = smtp;
      this.smtpPort = smtpPort;
      this.maildir = maildir;
    }

    static Sinks start(String name, Path maildir) throws IOException {
      HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      int smtpPort = ExternalProcess.freePort();
      ExternalProcess smtp = ExternalProcess.start("oracle-smtp-" + name, List.of(PYTHON.toString(), "-m",
          "aiosmtpd", "-n", "-l", "127.0.0.1:" + smtpPort, "-c", "aiosmtpd.handlers.Mailbox", maildir.toString()));
      Sinks sinks = new Sinks(http, smtp, smtpPort, maildir);
      http.createContext("/", exchange -> {
        Instant at = Instant.now();
        try (InputStream in = exchange.getRequestBody()) {
          String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          synchronized (sinks.arrivals) {
            sinks.arrivals.add(new Arrival(at, exchange.getRequestURI().getPath(), body));
          }
        }
        byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, ok.length);
        exchange.getResponseBody().write(ok);
        exchange.close();
      });
      // Two integrations of a system may post at once: neither waits for the other's handling.
      http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      http.start();
      return sinks;
    }

    /** Forgets what arrived so far. */
    void clear() throws IOException {
      synchronized (arrivals) {
        arrivals.clear();
      }
      Path dir = maildir.resolve("new");
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
    }

    /** The configuration, pointing at these sinks. */
    String config() {
      return CONFIG.replace("SINK", "http://127.0.0.1:" + http.getAddress().getPort())
          .replace("SMTP_PORT", Integer.toString(smtpPort));
    }

    void awaitSmtp() {
      await("aiosmtpd on " + smtpPort).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsInstanceOf(IOException.class)
          .until(() -> {
            try (Socket socket = new Socket("127.0.0.1", smtpPort)) {
              return true;
            }
          });
    }

    /**
     * What arrived, by {@code "<kind> <group> #<n>"}: the kind (webhook, slack, email), the group (the webhook's
     * group key; the Slack title's and the email subject's text after the status), and the notification's number
     * within its group in order of arrival.
     */
    Map<String, Notification> notifications(Instant start) throws Exception {
      record Received(Instant at, String kind, String group, Object content) {}
      List<Received> received = new ArrayList<>();
      synchronized (arrivals) {
        for (Arrival a : arrivals) {
          JsonNode body = JSON.readTree(a.body());
          String kind = a.path().substring(1);
          String group = kind.equals("webhook") ? body.get("groupKey").asText()
              : withoutStatus(body.at("/attachments/0/title").asText());
          received.add(new Received(a.at(), kind, group, body));
        }
      }
      Path dir = maildir.resolve("new");
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            MimeMessage message;
            try (InputStream in = Files.newInputStream(file)) {
              message = new MimeMessage(Session.getInstance(new Properties()), in);
              message.getContent();
            }
            // aiosmtpd's Mailbox writes each mail when its DATA ends.
            received.add(new Received(Files.getLastModifiedTime(file).toInstant(), "email",
                withoutStatus(message.getSubject()), mail(message)));
          }
        }
      }
      received.sort((a, b) -> a.at().compareTo(b.at()));
      Map<String, Notification> out = new TreeMap<>();
      Map<String, Integer> counts = new TreeMap<>();
      for (Received r : received) {
        String group = r.kind() + " " + r.group();
        int n = counts.merge(group, 1, Integer::sum);
        out.put(group + " #" + n, new Notification(Duration.between(start, r.at()), r.content()));
      }
      return out;
    }

    /** {@code [FIRING:2] DbDown c1 (critical db)} without its status part. */
    private static String withoutStatus(String title) {
      return title.replaceFirst("^\\[[^]]*] ", "").replaceFirst(" \\(.*\\)$", "");
    }

    /** An email's headers and parts that must agree; the per-message ones are left out (see the class). */
    private static Map<String, String> mail(MimeMessage message) throws Exception {
      Map<String, String> out = new TreeMap<>();
      for (String header : List.of("Subject", "To", "From", "X-MailFrom", "X-RcptTo", "MIME-Version")) {
        out.put(header, message.getHeader(header, ","));
      }
      out.put("decoded subject", message.getSubject());
      out.put("content type", message.getContentType().replaceAll("(?s);.*", "").strip());
      Multipart parts = (Multipart) message.getContent();
      for (int i = 0; i < parts.getCount(); i++) {
        BodyPart part = parts.getBodyPart(i);
        out.put("part " + i + " " + part.getContentType().replaceAll("(?s);.*", "").strip(),
            part.getContent().toString().replace("\r\n", "\n"));
      }
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      http.stop(0);
      smtp.close();
    }
  }
}
