package io.narthex.alertmanager.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.OracleAlertmanager;
import io.narthex.alertmanager.TestPorts;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.NotificationRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Alertmanager 0.25 as the oracle for what the receivers send: one config with webhook, Slack-shaped,
 * PagerDuty (Events API v2) and email integrations, loaded into Alertmanager (posting to a loopback HTTP sink and Debian's aiosmtpd) and into
 * {@link Integrations}; the same alerts, firing then resolved; the bodies must be equal (the HTTP JSON whole, the
 * email's decoded headers and parts), since both use the same external URL and alert times.
 */
class ReceiversOracleTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String EXTERNAL_URL = "http://am.example";
  private static final String RECEIVER = "ops.team";
  private static final String CONFIG = """
      global:
        smtp_smarthost: 127.0.0.1:SMTP_PORT
        smtp_from: Alertmanager <am@example.com>
        smtp_require_tls: false
        slack_api_url: SINK/slack
      route:
        receiver: ops.team
        group_by: [alertname]
        group_wait: 2s
        group_interval: 2s
        repeat_interval: 1h
      receivers:
      - name: ops.team
        webhook_configs:
        - url: SINK/webhook
        slack_configs:
        - channel: '#alerts'
          send_resolved: true
          text: '{{ range .Alerts }}*{{ .Labels.instance }}* {{ .Annotations.summary }}{{ "\\n" }}{{ end }}'
          fields:
          - title: Severity
            value: '{{ .CommonLabels.severity }}'
            short: true
          - title: Runbook
            value: '{{ .CommonAnnotations.runbook }}'
          actions:
          - type: button
            text: Silence
            url: '{{ .ExternalURL }}/#/silences/new'
        pagerduty_configs:
        - routing_key: secret-key
          url: SINK/pagerduty
          severity: '{{ .CommonLabels.severity }}'
          component: disks
          details:
            team: '{{ .CommonLabels.team }}'
          links:
          - href: '{{ .ExternalURL }}'
            text: Alertmanager
        email_configs:
        - to: 'ops@example.com, oncall@example.com'
          headers:
            Subject: '{{ template "__subject" . }}'
            x-team: ops
            message-id: '<{{ .GroupLabels.alertname }}@narthex.example>'
          html: '<p>{{ .Status }}: {{ range .Alerts }}{{ .Labels.instance }} {{ end }}</p>'
          text: '{{ template "__text_alert_list" .Alerts }}'
      """;

  @TempDir
  static Path directory;
  private static HttpSink sink;
  private static OracleAlertmanager alertmanager;
  private static Process smtp;
  private static String api;
  private static Path maildir;
  private static String config;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    OracleAlertmanager.assumeInstalled();
    Assumptions.assumeTrue(Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c",
        "import aiosmtpd").start().waitFor() == 0, "skipped: apt-get install python3-aiosmtpd");
    sink = new HttpSink();
    int smtpPort = TestPorts.freePort();
    maildir = directory.resolve("maildir");
    smtp = new ProcessBuilder(PYTHON.toString(), "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + smtpPort, "-c",
        "aiosmtpd.handlers.Mailbox", maildir.toString()).redirectErrorStream(true)
        .redirectOutput(directory.resolve("smtp.log").toFile()).start();
    config = CONFIG.replace("SINK", sink.url("")).replace("SMTP_PORT", Integer.toString(smtpPort));
    alertmanager = OracleAlertmanager.start(directory, config, "--web.external-url=" + EXTERNAL_URL);
    api = alertmanager.url();
    TestPorts.awaitListening(smtpPort, "aiosmtpd (see " + directory.resolve("smtp.log") + ")");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (alertmanager != null) {
      alertmanager.close();
    }
    if (smtp != null) {
      smtp.destroyForcibly();
    }
    if (sink != null) {
      sink.close();
    }
  }

  @Test
  void webhookSlackAndEmailBodiesMatchAlertmanager() throws Exception {
    // Less than group_wait old, so that Alertmanager waits for both alerts before its first flush.
    Instant startsAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<Alert> firing = List.of(alert("db-1", "critical", startsAt, null), alert("db-2", "critical", startsAt, null));
    post(firing);
    // Alertmanager's first flush after group_wait (2s): webhook, Slack and PagerDuty over HTTP, and one email.
    Map<String, JsonNode> amFiring = httpBodies(3);
    MimeMessage amMail = nextMail();
    sink.drain();

    NotificationPipeline.Sender ours = new Integrations(new Integrations.Settings(EXTERNAL_URL,
        tenant -> NotifyLimits.NONE), new PrometheusRegistry()).forTenant("t", AlertmanagerConfig.parse(config),
        Map.of());
    Instant flushedAt = Instant.now();
    assertThat(ours.send(notification("webhook", true, firing, flushedAt))).isTrue();
    assertThat(ours.send(notification("slack", true, firing, flushedAt))).isTrue();
    assertThat(ours.send(notification("pagerduty", true, firing, flushedAt))).isTrue();
    assertThat(ours.send(notification("email", false, firing, flushedAt))).isTrue();
    Map<String, JsonNode> ourFiring = httpBodies(3);
    MimeMessage ourMail = nextMail();

    assertThat(ourFiring.get("/webhook")).isEqualTo(amFiring.get("/webhook"));
    assertThat(ourFiring.get("/slack")).isEqualTo(amFiring.get("/slack"));
    assertThat(ourFiring.get("/pagerduty")).isEqualTo(amFiring.get("/pagerduty"));
    assertThat(mail(ourMail)).isEqualTo(mail(amMail));
    // Not vacuous: the texts were rendered from the alerts.
    assertThat(amFiring.get("/slack").at("/attachments/0/title").asText())
        .isEqualTo("[FIRING:2] DiskFull (critical ops)");
    assertThat(amFiring.get("/webhook").get("receiver").asText()).isEqualTo("ops\\.team");
    assertThat(ourMail.getHeader("Message-Id", ",")).isEqualTo("<DiskFull@narthex.example>");

    // Resolved: the next group_interval flush goes to webhook, Slack and PagerDuty (send_resolved), not to email
    // (default off).
    Instant endsAt = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
    List<Alert> resolved = List.of(alert("db-1", "critical", startsAt, endsAt),
        alert("db-2", "critical", startsAt, endsAt));
    post(resolved);
    Map<String, JsonNode> amResolved = httpBodies(3);
    Instant resolvedFlush = Instant.now();
    assertThat(ours.send(notification("webhook", true, resolved, resolvedFlush))).isTrue();
    assertThat(ours.send(notification("slack", true, resolved, resolvedFlush))).isTrue();
    assertThat(ours.send(notification("pagerduty", true, resolved, resolvedFlush))).isTrue();
    assertThat(ours.send(notification("email", false, resolved, resolvedFlush))).isTrue();
    Map<String, JsonNode> ourResolved = httpBodies(3);
    assertThat(ourResolved).isEqualTo(amResolved);
    assertThat(amResolved.get("/webhook").get("status").asText()).isEqualTo("resolved");
    assertThat(newMails()).as("no email for resolved alerts from either").isEmpty();
  }

  private static Alert alert(String instance, String severity, Instant startsAt, Instant endsAt) {
    return new Alert(new TreeMap<>(Map.of("alertname", "DiskFull", "instance", instance, "severity", severity,
        "team", "ops")), Map.of("summary", "disk of " + instance + " is full", "runbook", "https://runbooks/disk"),
        startsAt, endsAt, "http://prometheus:9090/graph?g0.expr=disk+%3E+0.9", startsAt, endsAt != null);
  }

  private static NotificationPipeline.Notification notification(String kind, boolean sendResolved,
      List<Alert> alerts, Instant now) {
    NotificationRequest request = new NotificationRequest(RECEIVER, "{}:{alertname=\"DiskFull\"}",
        new TreeMap<>(Map.of("alertname", "DiskFull")), now, Duration.ofSeconds(2), Duration.ofHours(1), List.of(),
        List.of(), "0", alerts);
    return new NotificationPipeline.Notification(request, new NotificationPipeline.Integration(
        new NotificationLog.Receiver(RECEIVER, kind, 0), sendResolved), alerts);
  }

  private void post(List<Alert> alerts) throws Exception {
    List<Map<String, Object>> body = new ArrayList<>();
    for (Alert a : alerts) {
      Map<String, Object> alert = new TreeMap<>(Map.of("labels", a.labels(), "annotations", a.annotations(),
          "startsAt", a.startsAt().toString(), "generatorURL", a.generatorUrl()));
      if (a.endsAt() != null) {
        alert.put("endsAt", a.endsAt().toString());
      }
      body.add(alert);
    }
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v2/alerts"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Payloads.JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** The next {@code count} HTTP bodies, by path. */
  private static Map<String, JsonNode> httpBodies(int count) throws Exception {
    Map<String, JsonNode> out = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      HttpSink.Request request = sink.next(10);
      assertThat(request).as("HTTP notification " + (i + 1) + " of " + count).isNotNull();
      out.put(request.path(), Payloads.JSON.readTree(request.body()));
    }
    return out;
  }

  private static final List<Path> seenMails = new ArrayList<>();

  private static List<Path> newMails() throws Exception {
    Path dir = maildir.resolve("new");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> !seenMails.contains(f)).toList();
    }
  }

  private static MimeMessage nextMail() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      List<Path> mails = newMails();
      if (!mails.isEmpty()) {
        seenMails.add(mails.getFirst());
        try (InputStream in = Files.newInputStream(mails.getFirst())) {
          MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), in);
          message.getContent();
          return message;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no email within 10s; see " + directory.resolve("smtp.log"));
  }

  /** What must agree in an email: the decoded headers that are not per-message, and each part. */
  private static Map<String, String> mail(MimeMessage message) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String header : List.of("Subject", "To", "From", "X-Team", "Message-Id", "X-MailFrom", "X-RcptTo")) {
      out.put(header, message.getHeader(header, ","));
    }
    out.put("decoded subject", message.getSubject());
    Multipart parts = (Multipart) message.getContent();
    out.put("content type", message.getContentType().replaceAll("(?s);.*", "").strip());
    for (int i = 0; i < parts.getCount(); i++) {
      BodyPart part = parts.getBodyPart(i);
      out.put("part " + i + " " + part.getContentType().replaceAll("(?s);.*", "").strip(),
          part.getContent().toString().replace("\r\n", "\n"));
    }
    return out;
  }
}
