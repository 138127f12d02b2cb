package io.narthex.alertmanager.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.BucketAlertStore;
import io.narthex.alertmanager.OracleAlertmanager;
import io.narthex.alertmanager.dispatch.AlertStore.PostableAlert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.objstore.FilesystemBucket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A notification log written by Debian's Alertmanager 0.25, read as Mimir's state: Alertmanager snapshots its log to
 * {@code <storage.path>/nflog} at each maintenance (every 50 ms here) and at shutdown, as the same stream of
 * {@code nflogpb.MeshEntry} that Mimir keeps under {@code nfl:<tenant>}, so the file is wrapped in a
 * {@code FullStateDesc}, put in the bucket and read back as a migrated tenant's state would be. {@code group_wait} is
 * 1s so that both alerts, posted in one request, are in the group's first notification.
 */
class AlertmanagerNotificationLogOracleTest {
  private static final String CONFIG = """
      route:
        receiver: hook
        group_by: [alertname]
        group_wait: 1s
        group_interval: 1m
        repeat_interval: 1h
      receivers:
        - name: hook
          webhook_configs: [{url: 'SINK/'}]
      """;
  private static final List<Map<String, String>> ALERTS = List.of(
      Map.of("alertname", "Migrated", "instance", "a"),
      Map.of("alertname", "Migrated", "instance", "b", "team", "Wärme"));

  @TempDir Path directory;

  @Test
  void aNotificationAlertmanagerLoggedIsNotSentAgainAfterItsStateIsRead() throws Exception {
    OracleAlertmanager.assumeInstalled();
    String config = runAlertmanagerUntilItNotifies();
    byte[] nflog = Files.readAllBytes(directory.resolve("data/nflog"));

    StateStore store = new StateStore(new FilesystemBucket(directory.resolve("bucket")),
        BucketAlertStore.BLOCKS_BUCKET_ROOT, NotificationLog.DEFAULT_RETENTION, 0);
    store.set("tenant", fullState("tenant", nflog));
    Instant now = Instant.now();
    TenantState state = store.get("tenant", now).orElseThrow();

    Set<Long> hashes = Set.of(NotificationLog.hashAlert(new TreeMap<>(ALERTS.get(0))),
        NotificationLog.hashAlert(new TreeMap<>(ALERTS.get(1))));
    assertThat(state.notificationLog()).singleElement().satisfies(entry -> {
      assertThat(entry.groupKey()).isEqualTo("{}:{alertname=\"Migrated\"}");
      assertThat(entry.receiver()).isEqualTo(new NotificationLog.Receiver("hook", "webhook", 0));
      assertThat(entry.firing()).isEqualTo(hashes);
    });

    List<NotificationPipeline.Notification> sent = dispatchTheSameAlerts(config, state, now);
    assertThat(sent).isEmpty();
    // Not vacuous: without Alertmanager's log the same flush notifies.
    assertThat(dispatchTheSameAlerts(config, TenantState.EMPTY, now)).hasSize(1);
  }

  private static List<NotificationPipeline.Notification> dispatchTheSameAlerts(String config, TenantState state,
      Instant now) {
    List<NotificationPipeline.Notification> sent = new ArrayList<>();
    TenantAlertmanager am = new TenantAlertmanager(AlertmanagerConfig.parse(config),
        TenantAlertmanager.Settings.DEFAULTS, sent::add, now);
    state.mergeInto(am.silences(), am.notificationLog(), now);
    List<PostableAlert> alerts = ALERTS.stream()
        .map(l -> new PostableAlert(new TreeMap<>(l), Map.of(), null, null, null)).toList();
    assertThat(am.post(alerts, now).invalid()).isEmpty();
    am.advanceTo(now.plusSeconds(1));
    return sent;
  }

  /** Mimir's {@code FullStateDesc} holding {@code nflog} as the tenant's {@code nfl:} part. */
  private static byte[] fullState(String tenant, byte[] nflog) {
    ProtoWriter part = new ProtoWriter();
    part.string(1, FullStateCodec.NOTIFICATION_LOG_PREFIX + tenant);
    part.bytes(2, nflog);
    ProtoWriter fullState = new ProtoWriter();
    fullState.message(1, part);
    ProtoWriter desc = new ProtoWriter();
    desc.message(1, fullState);
    return desc.toByteArray();
  }

  /** Runs Alertmanager until its webhook got the group's notification, then stops it; returns the config. */
  private String runAlertmanagerUntilItNotifies() throws Exception {
    CountDownLatch notified = new CountDownLatch(1);
    HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sink.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      notified.countDown();
    });
    sink.start();
    String config = CONFIG.replace("SINK", "http://127.0.0.1:" + sink.getAddress().getPort());
    // SIGTERM at the close: Alertmanager writes its nflog snapshot on the way out.
    try (OracleAlertmanager am = OracleAlertmanager.start(directory, config, "--data.maintenance-interval=50ms")) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      StringBuilder body = new StringBuilder("[");
      for (Map<String, String> labels : ALERTS) {
        body.append(body.length() > 1 ? "," : "").append("{\"labels\":{");
        StringBuilder pairs = new StringBuilder();
        labels.forEach((k, v) -> pairs.append(pairs.isEmpty() ? "" : ",").append('"').append(k).append("\":\"")
            .append(v).append('"'));
        body.append(pairs).append("}}");
      }
      body.append(']');
      HttpResponse<String> posted = http.send(HttpRequest.newBuilder(
              URI.create(am.url() + "/api/v2/alerts"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).isEqualTo(200);
      assertThat(notified.await(30, TimeUnit.SECONDS)).as("Alertmanager notified the webhook").isTrue();
      // It logs the notification just after the webhook answers: wait until a snapshot holds it, lest the stop
      // below beat the log.
      awaitLoggedEntry(directory.resolve("data/nflog"));
    } finally {
      sink.stop(0);
    }
    return config;
  }

  /** Polls Alertmanager's snapshot (rewritten every maintenance interval, by rename) until it holds an entry. */
  private static void awaitLoggedEntry(Path nflog) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (Files.exists(nflog) && !FullStateCodec.decode("t", fullState("t", Files.readAllBytes(nflog)), Instant.now(),
          0).state().notificationLog().isEmpty()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("Alertmanager logged no notification in " + nflog);
  }
}
