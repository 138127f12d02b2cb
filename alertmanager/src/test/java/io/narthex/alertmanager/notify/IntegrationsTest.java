package io.narthex.alertmanager.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.NotificationRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The receivers against a loopback HTTP sink, on a fake clock: Alertmanager's retry rules, the webhook's truncation,
 * Mimir's firewall and rate limit, and the metrics of each.
 */
class IntegrationsTest {
  private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

  /** A clock that sleeping advances, so that backoffs take no time. */
  static final class FakeClock implements RetryClock {
    long nanos;
    final List<Duration> sleeps = new ArrayList<>();

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public void sleep(Duration duration) {
      sleeps.add(duration);
      nanos += duration.toNanos();
    }
  }

  private final FakeClock clock = new FakeClock();
  private NotifyMetrics metrics;
  private HttpSink sink;

  @BeforeEach
  void startSink() throws Exception {
    sink = new HttpSink();
    metrics = new NotifyMetrics(new PrometheusRegistry());
  }

  @AfterEach
  void stopSink() {
    sink.close();
  }

  private NotificationPipeline.Sender sender(String receivers, NotifyLimits limits) {
    AlertmanagerConfig config = AlertmanagerConfig.parse("route:\n  receiver: r\nreceivers:\n" + receivers);
    return new Integrations(new Integrations.Settings("http://am.example", tenant -> limits), metrics, clock)
        .forTenant("tenant-a", config, Map.of());
  }

  private NotificationPipeline.Sender webhook(String extra, NotifyLimits limits) {
    return sender("- name: r\n  webhook_configs:\n  - url: " + sink.url("/hook") + "\n" + extra, limits);
  }

  private static Alert alert(String name, Instant endsAt) {
    return new Alert(new TreeMap<>(Map.of("alertname", name, "team", "a")), Map.of("summary", "s " + name),
        NOW.minusSeconds(60), endsAt, "http://prom/graph?g0.expr=up", NOW, false);
  }

  private static NotificationPipeline.Notification notification(String kind, boolean sendResolved,
      Alert... alerts) {
    NotificationRequest request = new NotificationRequest("r", "{}:{team=\"a\"}", new TreeMap<>(Map.of("team", "a")),
        NOW, Duration.ofSeconds(10), Duration.ofHours(4), List.of(), List.of(), "0", List.of(alerts));
    return new NotificationPipeline.Notification(request, new NotificationPipeline.Integration(
        new NotificationLog.Receiver("r", kind, 0), sendResolved), List.of(alerts));
  }

  private static NotificationPipeline.Notification firingWebhook() {
    return notification("webhook", true, alert("a", null));
  }

  private double failed(String reason) {
    return metrics.notificationsFailed.labelValues("tenant-a", "webhook", reason).get();
  }

  @Test
  void retriesAServerErrorUntilTheReceiverAccepts() throws Exception {
    sink.answer(500, 503);
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isTrue();
    assertThat(sink.drain()).hasSize(3);
    assertThat(clock.sleeps).hasSize(2).allSatisfy(d -> assertThat(d).isPositive());
    assertThat(metrics.requests.labelValues("tenant-a", "webhook").get()).isEqualTo(3);
    assertThat(metrics.requestsFailed.labelValues("tenant-a", "webhook").get()).isEqualTo(2);
    assertThat(metrics.notifications.labelValues("tenant-a", "webhook").get()).isEqualTo(1);
    assertThat(failed("serverError")).isZero();
  }

  @Test
  void doesNotRetryAClientErrorButRetriesTooManyRequests() throws Exception {
    sink.answer(400);
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isFalse();
    assertThat(sink.drain()).hasSize(1);
    assertThat(failed("clientError")).isEqualTo(1);

    sink.answer(429);
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isTrue();
    assertThat(sink.drain()).hasSize(2);
  }

  @Test
  void givesUpWhenTheGroupIntervalEnds() throws Exception {
    Integer[] always500 = new Integer[50];
    java.util.Arrays.fill(always500, 500);
    sink.answer(always500);
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isFalse();
    int attempts = sink.drain().size();
    // 10s (Alertmanager's minimum notify timeout) of backoff from 500ms growing 1.5x: a handful of attempts.
    assertThat(attempts).isBetween(3, 12);
    assertThat(clock.nanos).isLessThan(Duration.ofSeconds(10).toNanos());
    assertThat(failed("serverError")).isEqualTo(1);
  }

  @Test
  void webhookSendsVersion4AndTruncatesToMaxAlerts() throws Exception {
    NotificationPipeline.Notification n = notification("webhook", true, alert("a", null), alert("b", null),
        alert("c", NOW.minusSeconds(1)));
    assertThat(webhook("    max_alerts: 2\n", NotifyLimits.NONE).send(n)).isTrue();
    HttpSink.Request request = sink.next(5);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.headers().get("Content-type")).containsExactly("application/json");
    assertThat(request.headers().keySet()).as("HTTP/1.1 on plain http, as Alertmanager: no h2c upgrade")
        .noneMatch(name -> name.equalsIgnoreCase("Upgrade") || name.equalsIgnoreCase("HTTP2-Settings"));
    JsonNode body = Payloads.JSON.readTree(request.body());
    assertThat(body.get("version").asText()).isEqualTo("4");
    assertThat(body.get("groupKey").asText()).isEqualTo("{}:{team=\"a\"}");
    assertThat(body.get("truncatedAlerts").asInt()).isEqualTo(1);
    assertThat(body.get("alerts")).hasSize(2);
    assertThat(body.get("status").asText()).isEqualTo("firing");
    assertThat(body.get("alerts").get(0).get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(body.get("alerts").get(0).get("startsAt").asText()).isEqualTo("2026-03-02T09:59:00Z");
    // Common labels of the alerts sent, not of all three.
    assertThat(body.get("commonLabels").get("team").asText()).isEqualTo("a");
    assertThat(body.get("commonLabels").has("alertname")).isFalse();
    assertThat(body.get("externalURL").asText()).isEqualTo("http://am.example");
  }

  @Test
  void refusesABlockedAddressBeforeConnecting() throws Exception {
    NotifyLimits blockLoopbackNet = new NotifyLimits(0, Map.of(), Firewall.of(List.of("127.0.0.0/8"), false));
    assertThat(webhook("", blockLoopbackNet).send(firingWebhook())).isFalse();
    NotifyLimits blockPrivate = new NotifyLimits(0, Map.of(), Firewall.of(List.of(), true));
    assertThat(webhook("", blockPrivate).send(firingWebhook())).isFalse();
    assertThat(sink.drain()).isEmpty();
    assertThat(clock.sleeps).as("not retried").isEmpty();
    assertThat(failed("other")).isEqualTo(2);

    NotifyLimits otherNet = new NotifyLimits(0, Map.of(), Firewall.of(List.of("10.0.0.0/8", "::1/128"), false));
    assertThat(webhook("", otherNet).send(firingWebhook())).isTrue();
  }

  @Test
  void firewallBlocksPrivateLoopbackAndLinkLocalAddresses() throws Exception {
    Firewall firewall = Firewall.of(List.of("203.0.113.0/24"), true);
    for (String blocked : List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "::1",
        "fd00::1", "fe80::1", "203.0.113.7")) {
      assertThat(firewall.blocks(java.net.InetAddress.getByName(blocked))).as(blocked).isTrue();
    }
    for (String allowed : List.of("8.8.8.8", "172.32.0.1", "2001:db8::1", "203.0.114.1")) {
      assertThat(firewall.blocks(java.net.InetAddress.getByName(allowed))).as(allowed).isFalse();
    }
  }

  @Test
  void rateLimitRefusesNotificationsOverTheTenantsRateWithoutRetrying() throws Exception {
    NotifyLimits onePerSecond = new NotifyLimits(1, Map.of(), Firewall.NONE);
    NotificationPipeline.Sender sender = webhook("", onePerSecond);
    assertThat(sender.send(firingWebhook())).isTrue();
    assertThat(sender.send(firingWebhook())).isFalse();
    assertThat(metrics.rateLimited.labelValues("tenant-a", "webhook").get()).isEqualTo(1);
    assertThat(clock.sleeps).isEmpty();
    clock.nanos += Duration.ofSeconds(1).toNanos();
    assertThat(sender.send(firingWebhook())).isTrue();
    assertThat(sink.drain()).hasSize(2);

    NotifyLimits webhookUnlimited = new NotifyLimits(1, Map.of("webhook", 0.0), Firewall.NONE);
    NotificationPipeline.Sender perIntegration = webhook("", webhookUnlimited);
    for (int i = 0; i < 5; i++) {
      assertThat(perIntegration.send(firingWebhook())).isTrue();
    }
  }

  @Test
  void onlyResolvedAlertsAreNotSentWithoutSendResolved() throws Exception {
    NotificationPipeline.Sender sender = webhook("    send_resolved: false\n", NotifyLimits.NONE);
    assertThat(sender.send(notification("webhook", false, alert("a", NOW.minusSeconds(1))))).isTrue();
    assertThat(sink.drain()).isEmpty();
    assertThat(sender.send(notification("webhook", false, alert("a", NOW.minusSeconds(1)), alert("b", null))))
        .isTrue();
    JsonNode body = Payloads.JSON.readTree(sink.next(5).body());
    assertThat(body.get("alerts")).hasSize(1);
    assertThat(body.get("alerts").get(0).get("labels").get("alertname").asText()).isEqualTo("b");
  }

  @Test
  void pagerDutyDedupKeyIsTheSha256OfTheGroupKey() throws Exception {
    NotificationPipeline.Sender sender = sender("- name: r\n  pagerduty_configs:\n  - routing_key: rk\n    url: "
        + sink.url("/pd") + "\n", NotifyLimits.NONE);
    assertThat(sender.send(notification("pagerduty", true, alert("a", null)))).isTrue();
    JsonNode body = Payloads.JSON.readTree(sink.next(5).body());
    // printf '{}:{team="a"}' | sha256sum
    assertThat(body.get("dedup_key").asText())
        .isEqualTo("2ddbf9998bbde437c041f184f7b4602ff08a3bff82872b053bff8ea8bb185b0a");
    assertThat(body.get("routing_key").asText()).isEqualTo("rk");
    assertThat(body.get("event_action").asText()).isEqualTo("trigger");
    assertThat(body.get("payload").get("summary").asText()).isEqualTo("[FIRING:1] a (a)");
    assertThat(body.get("payload").get("severity").asText()).isEqualTo("error");
    assertThat(body.get("payload").get("custom_details").get("num_firing").asText()).isEqualTo("1");
  }

  @Test
  void pagerDutyV1SendsAnIncidentWithTheServiceKey() throws Exception {
    NotificationPipeline.Sender sender = sender("- name: r\n  pagerduty_configs:\n  - service_key: sk\n    url: "
        + sink.url("/v1") + "\n", NotifyLimits.NONE);
    assertThat(sender.send(notification("pagerduty", true, alert("a", NOW.minusSeconds(1))))).isTrue();
    JsonNode body = Payloads.JSON.readTree(sink.next(5).body());
    assertThat(body.get("service_key").asText()).isEqualTo("sk");
    assertThat(body.get("incident_key").asText())
        .isEqualTo("2ddbf9998bbde437c041f184f7b4602ff08a3bff82872b053bff8ea8bb185b0a");
    assertThat(body.get("event_type").asText()).isEqualTo("resolve");
    assertThat(body.get("payload").isNull()).isTrue();
    assertThat(body.has("client")).as("client only on trigger").isFalse();
    assertThat(body.get("details").get("num_resolved").asText()).isEqualTo("1");
  }

  @Test
  void msTeamsSendsAMessageCardWithTheMarkdownAlertList() throws Exception {
    NotificationPipeline.Sender sender = sender("- name: r\n  msteams_configs:\n  - webhook_url: "
        + sink.url("/teams") + "\n", NotifyLimits.NONE);
    assertThat(sender.send(notification("msteams", true, alert("a", null)))).isTrue();
    JsonNode body = Payloads.JSON.readTree(sink.next(5).body());
    assertThat(body.get("@context").asText()).isEqualTo("http://schema.org/extensions");
    assertThat(body.get("type").asText()).isEqualTo("MessageCard");
    assertThat(body.get("title").asText()).isEqualTo("[FIRING:1] a (a)");
    assertThat(body.get("summary").asText()).isEqualTo("[FIRING:1] a (a)");
    assertThat(body.get("themeColor").asText()).isEqualTo("8C1A1A");
    // Alertmanager 0.26's msteams.default.text over __text_alert_list_markdown, newlines and all.
    assertThat(body.get("text").asText()).isEqualTo("\n\n# Alerts Firing:\n\nLabels:\n  - alertname = a\n"
        + "  - team = a\n\nAnnotations:\n  - summary = s a\n\nSource: http://prom/graph?g0.expr=up\n\n\n\n\n");

    assertThat(sender.send(notification("msteams", true, alert("a", NOW.minusSeconds(1))))).isTrue();
    assertThat(Payloads.JSON.readTree(sink.next(5).body()).get("themeColor").asText()).isEqualTo("2DC72D");
  }

  @Test
  void followsRedirectsCheckingEachHostAgainstTheFirewall() throws Exception {
    // 307 repeats the POST; 302 turns it into a GET without body, as Go's client does.
    sink.redirect(307, sink.url("/moved"));
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isTrue();
    List<HttpSink.Request> requests = sink.drain();
    assertThat(requests).extracting(HttpSink.Request::method).containsExactly("POST", "POST");
    assertThat(requests.get(1).path()).isEqualTo("/moved");
    assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
    sink.redirect(302, "/elsewhere");
    assertThat(webhook("", NotifyLimits.NONE).send(firingWebhook())).isTrue();
    assertThat(sink.drain()).extracting(HttpSink.Request::method).containsExactly("POST", "GET");

    // The first host is allowed, the one it redirects to is blocked: refused before connecting there.
    try (HttpSink internal = new HttpSink("127.0.0.2")) {
      NotifyLimits blockInternal = new NotifyLimits(0, Map.of(), Firewall.of(List.of("127.0.0.2/32"), false));
      sink.redirect(307, internal.url("/metadata"));
      assertThat(webhook("", blockInternal).send(firingWebhook())).isFalse();
      assertThat(internal.drain()).isEmpty();
      assertThat(sink.drain()).hasSize(1);
      assertThat(failed("other")).isEqualTo(1);
      assertThat(clock.sleeps).as("not retried").isEmpty();
    }

    sink.redirect(307, sink.url("/not-followed"));
    assertThat(webhook("    http_config: {follow_redirects: false}\n", NotifyLimits.NONE).send(firingWebhook()))
        .isFalse();
    assertThat(sink.drain()).hasSize(1);
  }
}
