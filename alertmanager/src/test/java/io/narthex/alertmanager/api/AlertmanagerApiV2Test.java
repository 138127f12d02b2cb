package io.narthex.alertmanager.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.alertmanager.AlertConfigDesc;
import io.narthex.alertmanager.AlertmanagerConfigs;
import io.narthex.alertmanager.BucketAlertStore;
import io.narthex.alertmanager.FakeClock;
import io.narthex.alertmanager.FallbackConfig;
import io.narthex.alertmanager.MultitenantAlertmanager;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.replication.AlertmanagerPlacement;
import io.narthex.alertmanager.replication.ReplicatedAlertmanagerState;
import io.narthex.alertmanager.replication.ReplicationOptions;
import io.narthex.common.TenantResolver;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API v2 end to end: an Armeria server on a loopback port over a {@link MultitenantAlertmanager} driven by a fake
 * clock. Messages and status codes were taken from Alertmanager 0.25 answering the same requests.
 */
class AlertmanagerApiV2Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger TENANTS = new AtomicInteger();
  private static final String CONFIG = """
      route:
        receiver: web
        group_by: [alertname]
        group_wait: 10s
        group_interval: 1m
        routes:
          - matchers: [team="a"]
            receiver: team-a
      receivers:
        - name: web
          webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]
        - name: team-a
          webhook_configs: [{url: 'http://127.0.0.1:9/a'}]
      inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [alertname]
      """;

  @TempDir static Path root;
  private static Bucket bucket;
  private static BucketAlertStore store;
  private static AlertmanagerConfigs configs;
  private static MultitenantAlertmanager alertmanagers;
  private static Server server;
  private static final FakeClock clock = new FakeClock(Instant.parse("2026-03-02T10:00:00Z"));
  // Each tenant's sender; a tenant without one records into SENT.
  private static final Map<String, NotificationPipeline.Sender> senders = new ConcurrentHashMap<>();
  private static final List<NotificationPipeline.Notification> sent = new CopyOnWriteArrayList<>();
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    bucket = Buckets.filesystem("alertmanager-api-v2-test", root);
    store = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
    PrometheusRegistry registry = new PrometheusRegistry();
    configs = new AlertmanagerConfigs(store, FallbackConfig.load(""), registry);
    alertmanagers = new MultitenantAlertmanager(configs,
        (tenant, config, templates) -> n -> senders.getOrDefault(tenant, sent::add).send(n),
        tenant -> tenant.startsWith("limited")
            ? new TenantAlertmanager.Settings(AlertStore.Limits.NONE, new Silences.Limits(1, 0), 0,
                NotificationLog.DEFAULT_RETENTION)
            : TenantAlertmanager.Settings.DEFAULTS,
        clock, registry);
    ServerBuilder sb = Server.builder().http(0);
    new AlertmanagerApiV2(alertmanagers, TenantResolver.DEFAULT, "0.1.0-SNAPSHOT", clock.instant(), 4096)
        .bind(sb, "/alertmanager");
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
    alertmanagers.close();
    configs.close();
    bucket.close();
  }

  private static String tenantWithConfig() throws Exception {
    String tenant = "t" + TENANTS.incrementAndGet();
    store.set(new AlertConfigDesc(tenant, CONFIG, Map.of()));
    configs.sync("api");
    return tenant;
  }

  private static HttpResponse<String> call(String tenant, String method, String path, String body,
      String contentType) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort()
        + "/alertmanager/api/v2" + path)).timeout(Duration.ofSeconds(10));
    if (tenant != null) {
      b.header("X-Scope-OrgID", tenant);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String tenant, String path) throws Exception {
    return call(tenant, "GET", path, null, null);
  }

  private static HttpResponse<String> post(String tenant, String path, String json) throws Exception {
    return call(tenant, "POST", path, json, "application/json");
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** An instant as Alertmanager prints it: milliseconds, UTC. */
  private static String millis(Instant t) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)
        .format(t);
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String silence(String id, String name, String value, Instant start, Instant end) {
    return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"matchers\":[{\"name\":\"" + name
        + "\",\"value\":\"" + value + "\",\"isRegex\":false}],\"startsAt\":\"" + start + "\",\"endsAt\":\"" + end
        + "\",\"createdBy\":\"me\",\"comment\":\"why\"}";
  }

  @Test
  void statusCarriesTheConfigAsWrittenForAmtoolAndTheFallbackForATenantWithout() throws Exception {
    String tenant = tenantWithConfig();
    JsonNode status = json(get(tenant, "/status"));
    assertThat(status.at("/cluster/status").asText()).isEqualTo("ready");
    assertThat(status.at("/cluster/peers").isArray()).isTrue();
    assertThat(status.at("/config/original").asText()).isEqualTo(CONFIG);
    assertThat(status.at("/versionInfo/version").asText()).isEqualTo("0.1.0-SNAPSHOT");
    for (String field : List.of("revision", "branch", "buildUser", "buildDate", "goVersion")) {
      assertThat(status.get("versionInfo").has(field)).as(field).isTrue();
    }
    assertThat(status.get("uptime").asText()).isEqualTo("2026-03-02T10:00:00.000Z");
    assertThat(json(get(tenant, "/receivers")).toString()).isEqualTo("[{\"name\":\"web\"},{\"name\":\"team-a\"}]");

    assertThat(json(get("nobody", "/status")).at("/config/original").asText()).contains("empty-receiver");
    assertThat(json(get("nobody", "/alerts")).size()).isZero();
    assertThat(alertmanagers.tenants()).as("a read does not create an Alertmanager").doesNotContain("nobody");
    assertThat(get(null, "/status").statusCode()).isEqualTo(401);
  }

  @Test
  void aReplicaWhoseGroupHasNoQuorumStillAnswersStatusAndReceiversAndReads503() throws Exception {
    String tenant = tenantWithConfig();
    // Every replica of the placement leads nowhere: each read of the replicated state times out.
    List<AlertmanagerPlacement.Node> dead = List.of(new AlertmanagerPlacement.Node("am-0", "127.0.0.1:1"),
        new AlertmanagerPlacement.Node("am-1", "127.0.0.1:1"), new AlertmanagerPlacement.Node("am-2", "127.0.0.1:1"));
    ReplicationOptions options = new ReplicationOptions(Duration.ofMillis(300), 1000, Duration.ofMillis(300),
        Duration.ofHours(120), 1 << 20, "");
    try (ReplicatedAlertmanagerState unreachable = new ReplicatedAlertmanagerState(
            AlertmanagerPlacement.roundRobin(dead, 1, 3), options, null);
        MultitenantAlertmanager replica = new MultitenantAlertmanager(configs, (t, config, templates) -> sent::add,
            t -> TenantAlertmanager.Settings.DEFAULTS, clock, new PrometheusRegistry(), null, unreachable)) {
      ServerBuilder sb = Server.builder().http(0);
      new AlertmanagerApiV2(replica, TenantResolver.DEFAULT, "0.1.0-SNAPSHOT", clock.instant(), 4096)
          .bind(sb, "/alertmanager");
      Server other = sb.build();
      other.start().join();
      try {
        String base = "http://127.0.0.1:" + other.activeLocalPort() + "/alertmanager/api/v2";
        HttpResponse<String> status = client.send(HttpRequest.newBuilder(URI.create(base + "/status"))
            .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(status.body()).at("/config/original").asText()).isEqualTo(CONFIG);
        HttpResponse<String> receivers = client.send(HttpRequest.newBuilder(URI.create(base + "/receivers"))
            .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(receivers.body()).isEqualTo("[{\"name\":\"web\"},{\"name\":\"team-a\"}]");
        HttpResponse<String> alerts = client.send(HttpRequest.newBuilder(URI.create(base + "/alerts"))
            .header("X-Scope-OrgID", tenant).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(alerts.statusCode()).isEqualTo(503);
        assertThat(alerts.body()).contains("err-narthex-alertmanager-state-unavailable");
      } finally {
        other.stop().join();
      }
    }
  }

  @Test
  void alertsAreListedByFingerprintWithStatusReceiversAndFilters() throws Exception {
    String tenant = tenantWithConfig();
    Instant posted = clock.instant();
    assertThat(post(tenant, "/alerts", """
        [{"labels":{"alertname":"x","severity":"critical"}},
         {"labels":{"alertname":"x","severity":"warning","team":"a"},"annotations":{"summary":"s"},
          "generatorURL":"http://g/1"}]""").statusCode()).isEqualTo(200);
    JsonNode alerts = json(get(tenant, "/alerts"));
    assertThat(alerts).hasSize(2);
    // Alertmanager 0.25 gave these fingerprints, receivers and states for the same alerts.
    JsonNode critical = alerts.get(0);
    assertThat(critical.get("fingerprint").asText()).isEqualTo("2531c3c2583840d8");
    assertThat(critical.get("receivers").toString()).isEqualTo("[{\"name\":\"web\"}]");
    assertThat(critical.get("startsAt").asText()).isEqualTo(millis(posted));
    assertThat(critical.get("endsAt").asText()).isEqualTo(millis(posted.plusSeconds(300)));
    assertThat(critical.get("updatedAt").asText()).isEqualTo(millis(posted));
    assertThat(critical.get("status").toString())
        .isEqualTo("{\"inhibitedBy\":[],\"silencedBy\":[],\"state\":\"active\"}");
    assertThat(critical.has("generatorURL")).isFalse();
    JsonNode warning = alerts.get(1);
    assertThat(warning.get("fingerprint").asText()).isEqualTo("68cc1b469e45b117");
    assertThat(warning.get("receivers").toString()).isEqualTo("[{\"name\":\"team-a\"}]");
    assertThat(warning.at("/status/state").asText()).isEqualTo("suppressed");
    assertThat(warning.at("/status/inhibitedBy").toString()).isEqualTo("[\"2531c3c2583840d8\"]");
    assertThat(warning.get("generatorURL").asText()).isEqualTo("http://g/1");
    assertThat(warning.at("/annotations/summary").asText()).isEqualTo("s");

    assertThat(json(get(tenant, "/alerts?filter=" + q("severity=\"warning\"")))).hasSize(1);
    assertThat(json(get(tenant, "/alerts?inhibited=false")).findValuesAsText("fingerprint"))
        .containsExactly("2531c3c2583840d8");
    assertThat(json(get(tenant, "/alerts?active=false")).findValuesAsText("fingerprint"))
        .containsExactly("68cc1b469e45b117");
    assertThat(json(get(tenant, "/alerts?receiver=" + q("team-.*"))).findValuesAsText("fingerprint"))
        .containsExactly("68cc1b469e45b117");
    assertThat(json(get(tenant, "/alerts?filter=" + q("team!=\"\"") + "&filter=" + q("alertname=~\"x|y\""))))
        .hasSize(1);

    clock.advance(Duration.ofMinutes(6));
    assertThat(json(get(tenant, "/alerts"))).as("resolved by the resolve timeout").isEmpty();
  }

  @Test
  void postingSomeInvalidAlertsAnswers400WithAlertmanagersMessagesAndKeepsTheValidOnes() throws Exception {
    String tenant = tenantWithConfig();
    HttpResponse<String> response = post(tenant, "/alerts", """
        [{"labels":{"alertname":"y"}},{"labels":{"0bad":"y"}},{"labels":{}},
         {"labels":{"a":"b"},"startsAt":"2026-01-02T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]""");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).asText()).isEqualTo("invalid label set: invalid name \"0bad\"; "
        + "at least one label pair required; start time must be before end time "
        + "(err-narthex-alertmanager-invalid-alerts)");
    assertThat(json(get(tenant, "/alerts")).findValuesAsText("labels")).hasSize(1);
    assertThat(json(get(tenant, "/alerts")).get(0).at("/labels/alertname").asText()).isEqualTo("y");

    assertThat(post(tenant, "/alerts", "{\"labels\":{\"a\":\"b\"}}").statusCode()).isEqualTo(400);
    assertThat(post(tenant, "/alerts", "[{\"annotations\":{}}]").body()).contains("0.labels in body is required");
    assertThat(post(tenant, "/alerts", "[{\"labels\":{\"a\":5}}]").statusCode()).isEqualTo(400);
    assertThat(call(tenant, "POST", "/alerts", "[]", "text/plain").statusCode()).isEqualTo(415);
    assertThat(post(tenant, "/alerts", "[" + "{\"labels\":{\"a\":\"b\"}},".repeat(200) + "{}]").statusCode())
        .as("over the body limit").isEqualTo(413);
  }

  @Test
  void badFiltersAre400NamingTheFilter() throws Exception {
    String tenant = tenantWithConfig();
    HttpResponse<String> bad = get(tenant, "/alerts?filter=a");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).asText())
        .isEqualTo("bad matcher format: a (err-narthex-alertmanager-invalid-filter)");
    assertThat(get(tenant, "/alerts/groups?filter=" + q("a=~\"(\"")).body()).contains("error parsing regexp");
    assertThat(get(tenant, "/alerts?receiver=(").body()).contains("failed to parse receiver param");
    assertThat(get(tenant, "/silences?filter=" + q("{}")).statusCode()).isEqualTo(400);
    assertThat(get(tenant, "/alerts?active=maybe").statusCode()).isEqualTo(400);
    String many = ("&filter=" + q("a=\"b\"")).repeat(AlertmanagerApiV2.MAX_FILTERS + 1);
    assertThat(get(tenant, "/alerts?" + many.substring(1)).body()).contains("too many filters");
  }

  @Test
  void groupsAreSortedByLabelsThenReceiverAndFiltered() throws Exception {
    String tenant = tenantWithConfig();
    post(tenant, "/alerts", """
        [{"labels":{"alertname":"y"}},{"labels":{"alertname":"x","team":"a"}},{"labels":{"alertname":"x"}},
         {"labels":{"other":"z"}}]""");
    JsonNode groups = json(get(tenant, "/alerts/groups"));
    assertThat(groups).hasSize(4);
    assertThat(groups.get(0).get("labels").toString()).isEqualTo("{}");
    assertThat(groups.get(1).get("labels").toString()).isEqualTo("{\"alertname\":\"x\"}");
    assertThat(groups.get(1).at("/receiver/name").asText()).isEqualTo("team-a");
    assertThat(groups.get(2).at("/receiver/name").asText()).isEqualTo("web");
    assertThat(groups.get(3).get("labels").toString()).isEqualTo("{\"alertname\":\"y\"}");
    assertThat(groups.get(3).get("alerts")).hasSize(1);
    assertThat(json(get(tenant, "/alerts/groups?receiver=team-a"))).hasSize(1);
    assertThat(json(get(tenant, "/alerts/groups?filter=" + q("alertname=\"y\"")))).hasSize(1);
  }

  @Test
  void silencesAreCreatedUpdatedListedAndExpiredAndMuteTheirAlerts() throws Exception {
    String tenant = tenantWithConfig();
    Instant now = clock.instant();
    post(tenant, "/alerts", "[{\"labels\":{\"alertname\":\"x\"}}]");
    String id = json(post(tenant, "/silences", silence(null, "alertname", "x", now, now.plusSeconds(3600))))
        .get("silenceID").asText();
    JsonNode got = json(get(tenant, "/silence/" + id));
    assertThat(got.at("/status/state").asText()).isEqualTo("active");
    assertThat(got.get("matchers").toString())
        .isEqualTo("[{\"isEqual\":true,\"isRegex\":false,\"name\":\"alertname\",\"value\":\"x\"}]");
    assertThat(got.get("createdBy").asText()).isEqualTo("me");
    JsonNode alert = json(get(tenant, "/alerts")).get(0);
    assertThat(alert.at("/status/state").asText()).isEqualTo("suppressed");
    assertThat(alert.at("/status/silencedBy").toString()).isEqualTo("[\"" + id + "\"]");

    // An update keeping the matchers and the start changes the silence in place.
    String updated = json(post(tenant, "/silences", silence(id, "alertname", "x", now, now.plusSeconds(7200))))
        .get("silenceID").asText();
    assertThat(updated).isEqualTo(id);
    assertThat(json(get(tenant, "/silences?filter=" + q("alertname=\"x\"")))).hasSize(1);
    assertThat(json(get(tenant, "/silences?filter=" + q("alertname=\"other\"")))).isEmpty();

    assertThat(call(tenant, "DELETE", "/silence/" + id, null, null).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(1));
    assertThat(call(tenant, "DELETE", "/silence/" + id, null, null).statusCode())
        .as("already expired: 200, as Alertmanager 0.25").isEqualTo(200);
    assertThat(json(get(tenant, "/silence/" + id)).at("/status/state").asText()).isEqualTo("expired");
    assertThat(json(get(tenant, "/alerts")).get(0).at("/status/state").asText()).isEqualTo("active");

    String unknown = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    assertThat(get(tenant, "/silence/" + unknown).statusCode()).isEqualTo(404);
    assertThat(call(tenant, "DELETE", "/silence/" + unknown, null, null).statusCode()).isEqualTo(404);
    assertThat(get(tenant, "/silence/not-a-uuid").statusCode()).isEqualTo(422);
    assertThat(post(tenant, "/silences", silence(unknown, "a", "b", now, now.plusSeconds(60))).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aSilencedAlertIsNotNotifiedAndTheOthersOfItsFlushAre() throws Exception {
    String tenant = tenantWithConfig();
    List<String> notified = new CopyOnWriteArrayList<>();
    senders.put(tenant, n -> notified.add(n.request().groupLabels().get("alertname")));
    Instant now = clock.instant();
    json(post(tenant, "/silences", silence(null, "alertname", "quiet", now, now.plusSeconds(3600))));
    post(tenant, "/alerts", "[{\"labels\":{\"alertname\":\"quiet\"}},{\"labels\":{\"alertname\":\"loud\"}}]");
    clock.advance(Duration.ofSeconds(10));
    alertmanagers.tick();
    // Both groups flushed in that tick, quiet's first: by the time loud's send arrives, quiet's was planned empty.
    while (notified.isEmpty()) {
      Thread.onSpinWait();
    }
    assertThat(notified).containsExactly("loud");
  }

  @Test
  void refusedSilencesGetAlertmanagersMessages() throws Exception {
    String tenant = tenantWithConfig();
    Instant now = clock.instant();
    HttpResponse<String> past = post(tenant, "/silences",
        silence(null, "a", "b", now.minusSeconds(7200), now.minusSeconds(3600)));
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(past.body()).asText()).isEqualTo(
        "Failed to create silence: end time can't be in the past (err-narthex-alertmanager-invalid-silence)");
    assertThat(JSON.readTree(post(tenant, "/silences", silence(null, "a", "b", now, now)).body()).asText())
        .startsWith("Failed to create silence: start time must be before end time");
    assertThat(JSON.readTree(post(tenant, "/silences", silence(null, "a", "", now, now.plusSeconds(60))).body())
        .asText()).startsWith("silence invalid: at least one matcher must not match the empty string");
    assertThat(JSON.readTree(post(tenant, "/silences", silence(null, "0a", "b", now, now.plusSeconds(60))).body())
        .asText()).startsWith("silence invalid: invalid label matcher 0: invalid label name \"0a\"");
    HttpResponse<String> noComment = post(tenant, "/silences", "{\"matchers\":[{\"name\":\"a\",\"value\":\"b\","
        + "\"isRegex\":false}],\"startsAt\":\"" + now + "\",\"endsAt\":\"" + now.plusSeconds(60)
        + "\",\"createdBy\":\"me\"}");
    assertThat(noComment.statusCode()).isEqualTo(422);
    assertThat(noComment.body()).contains("comment in body is required");

    String limited = "limited" + TENANTS.incrementAndGet();
    assertThat(post(limited, "/silences", silence(null, "a", "b", now, now.plusSeconds(60))).statusCode())
        .isEqualTo(200);
    HttpResponse<String> over = post(limited, "/silences", silence(null, "a", "c", now, now.plusSeconds(60)));
    assertThat(over.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(over.body()).asText()).isEqualTo(
        "exceeded maximum number of silences: 1 (limit: 1) (err-narthex-alertmanager-max-silences-count)");
  }

  @Test
  void aSlowReceiverBlocksNeitherTheApiNorAnotherTenant() throws Exception {
    String slow = tenantWithConfig();
    String fast = tenantWithConfig();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch slowSending = new CountDownLatch(1);
    AtomicInteger slowSends = new AtomicInteger();
    senders.put(slow, n -> {
      slowSends.incrementAndGet();
      slowSending.countDown();
      try {
        return release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return false;
      }
    });
    CountDownLatch fastSent = new CountDownLatch(1);
    senders.put(fast, n -> {
      fastSent.countDown();
      return true;
    });
    try {
      post(slow, "/alerts", "[{\"labels\":{\"alertname\":\"x\"}}]");
      post(fast, "/alerts", "[{\"labels\":{\"alertname\":\"x\"}}]");
      clock.advance(Duration.ofSeconds(10));
      alertmanagers.tick();
      assertThat(slowSending.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(fastSent.await(10, TimeUnit.SECONDS)).as("the other tenant's group was notified").isTrue();

      // While the slow send hangs, the tenant's API answers (the client would time out otherwise).
      assertThat(json(get(slow, "/alerts"))).hasSize(1);
      Instant now = clock.instant();
      assertThat(post(slow, "/silences", silence(null, "alertname", "y", now, now.plusSeconds(60))).statusCode())
          .isEqualTo(200);
      assertThat(post(slow, "/alerts", "[{\"labels\":{\"alertname\":\"z\"}}]").statusCode()).isEqualTo(200);
      assertThat(slowSends.get()).isEqualTo(1);

      // Once delivered, the send is logged under the lock: the next flush finds the group up to date.
      release.countDown();
      while (alertmanagers.withTenant(slow, false, (am, at) -> am.notificationLog().snapshot().isEmpty())) {
        Thread.onSpinWait();
      }
      senders.put(slow, n -> n.request().groupLabels().get("alertname").equals("z")
          || slowSends.incrementAndGet() > 0);
      clock.advance(Duration.ofMinutes(1));
      alertmanagers.tick();
      assertThat(slowSends.get()).as("x is not sent again within its repeat interval").isEqualTo(1);
    } finally {
      release.countDown();
    }
  }
}
