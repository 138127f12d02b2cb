package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.state.StatePersister;
import io.narthex.alertmanager.state.StateStore;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultitenantAlertmanagerTest {
  private static final String CONFIG = """
      route: {receiver: hook, group_by: [alertname], group_wait: 10s, group_interval: 1m}
      receivers:
        - name: hook
          webhook_configs: [{url: 'http://127.0.0.1:9/a'}]
      """;

  @TempDir Path root;
  private Bucket bucket;
  private BucketAlertStore store;
  private AlertmanagerConfigs configs;
  private MultitenantAlertmanager alertmanagers;
  private PrometheusRegistry registry;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-02T10:00:00Z"));
  private final List<String> built = new CopyOnWriteArrayList<>();
  private final List<NotificationPipeline.Notification> sent = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws Exception {
    bucket = Buckets.filesystem("multitenant-alertmanager-test", root);
    store = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
    registry = new PrometheusRegistry();
    configs = new AlertmanagerConfigs(store, FallbackConfig.load(""), registry);
    alertmanagers = new MultitenantAlertmanager(configs, (tenant, config, templates) -> {
      built.add(tenant + ":" + config.route().receiver() + ":" + templates.keySet());
      return n -> sent.add(n);
    }, tenant -> TenantAlertmanager.Settings.DEFAULTS, clock, registry);
  }

  @AfterEach
  void close() throws Exception {
    alertmanagers.close();
    configs.close();
    bucket.close();
  }

  private static AlertStore.PostableAlert alert(String name) {
    return new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", name)), Map.of(), null, null, null);
  }

  @Test
  void aStoredConfigStartsTheTenantsAlertmanagerWithItsTemplatesAndAReloadKeepsItsAlerts() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of("t.tmpl", "{{ define \"x\" }}x{{ end }}")));
    configs.sync("api");
    assertThat(alertmanagers.tenants()).containsExactly("a");
    assertThat(built).containsExactly("a:hook:[t.tmpl]");
    alertmanagers.post("a", List.of(alert("x")));
    clock.advance(Duration.ofSeconds(10));
    alertmanagers.tick();
    waitForSends(1);

    store.set(new AlertConfigDesc("a", CONFIG.replace("1m", "2m"), Map.of()));
    configs.sync("periodic");
    assertThat(built).containsExactly("a:hook:[t.tmpl]", "a:hook:[]");
    List<?> alerts = alertmanagers.withTenant("a", false, (am, now) -> am.alerts().list());
    assertThat(alerts).hasSize(1);
    clock.advance(Duration.ofMinutes(1));
    alertmanagers.tick();
    assertThat(sent).as("the log survived the reload: no second notification").hasSize(1);
  }

  @Test
  void aDeletedConfigRemovesTheTenantOnlyOnceItHoldsNoAlerts() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    store.set(new AlertConfigDesc("b", CONFIG, Map.of()));
    configs.sync("api");
    alertmanagers.post("b", List.of(alert("x")));
    store.delete("a");
    store.delete("b");
    configs.sync("api");
    assertThat(alertmanagers.tenants()).as("b keeps its alert, on the fallback").containsExactly("b");
    String receiver = alertmanagers.withTenant("b", false, (am, now) -> am.config().route().receiver());
    assertThat(receiver).isEqualTo("empty-receiver");
    clock.advance(MultitenantAlertmanager.GC_INTERVAL);
    alertmanagers.tick();
    assertThat(alertmanagers.tenants()).as("its alert resolved and collected").isEmpty();
  }

  @Test
  void theSchedulerThreadFiresFlushesWhenDue() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG.replace("10s", "0s"), Map.of()));
    configs.sync("api");
    alertmanagers.start();
    alertmanagers.post("a", List.of(alert("x")));
    waitForSends(1);
    assertThat(sent.getFirst().request().groupLabels()).containsEntry("alertname", "x");
  }

  @Test
  void metricsCountReceivedAndInvalidAlertsAndTheStateOfAlertsSilencesAndGroupsPerTenant() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    configs.sync("api");
    AlertStore.PostableAlert resolved = new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", "old")),
        Map.of(), clock.instant().minusSeconds(60), clock.instant().minusSeconds(1), null);
    AlertStore.PostableAlert invalid = new AlertStore.PostableAlert(new TreeMap<>(Map.of("0bad", "x")), Map.of(),
        null, null, null);
    alertmanagers.post("a", List.of(alert("x"), alert("y"), resolved, invalid));
    alertmanagers.withTenant("a", false, (am, now) -> am.silences().set(new Silence(null,
        Matcher.parseAll("alertname=\"y\""), now, now.plusSeconds(60), null, "me", ""), now));
    assertThat(value("cortex_alertmanager_alerts_received", "status", "firing")).isEqualTo(3);
    assertThat(value("cortex_alertmanager_alerts_received", "status", "resolved")).isEqualTo(1);
    assertThat(value("cortex_alertmanager_alerts_invalid", null, null)).isEqualTo(1);
    assertThat(value("cortex_alertmanager_alerts", "state", "active")).isEqualTo(1);
    assertThat(value("cortex_alertmanager_alerts", "state", "suppressed")).isEqualTo(1);
    assertThat(value("cortex_alertmanager_silences", "state", "active")).isEqualTo(1);
    assertThat(value("cortex_alertmanager_dispatcher_aggregation_groups", null, null)).isEqualTo(3);
  }

  /** The value of tenant a's data point, with {@code label} = {@code value} when given. */
  private double value(String name, String label, String value) {
    return registry.scrape().stream().filter(s -> s.getMetadata().getPrometheusName().equals(name))
        .flatMap(s -> s.getDataPoints().stream())
        .filter(p -> p.getLabels().get("user").equals("a") && (label == null || value.equals(p.getLabels().get(label))))
        .mapToDouble(p -> p instanceof CounterSnapshot.CounterDataPointSnapshot c
            ? c.getValue() : ((GaugeSnapshot.GaugeDataPointSnapshot) p).getValue())
        .findFirst().orElseThrow();
  }

  @Test
  void aRestartKeepsSilencesAndDoesNotSendAgainWhatWasSent() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    StatePersister persister = persister();
    MultitenantAlertmanager first = new MultitenantAlertmanager(configs, (tenant, config, templates) -> sent::add,
        tenant -> TenantAlertmanager.Settings.DEFAULTS, clock, new PrometheusRegistry(), persister);
    configs.sync("api");
    String silenceId = first.withTenant("a", true, (am, now) -> am.silences().set(new Silence(null,
        Matcher.parseAll("alertname=\"muted\""), now, now.plusSeconds(7200), null, "me", "maintenance"), now));
    first.post("a", List.of(alert("x"), alert("muted")));
    clock.advance(Duration.ofSeconds(10));
    first.tick();
    waitForSends(1);
    while (first.withTenant("a", false, (am, now) -> am.notificationLog().snapshot().isEmpty())) {
      Thread.sleep(5); // the send's log entry is written once the send completes
    }
    first.close();
    persister.close();

    // A new process: same bucket, no memory; Prometheus sends the same alerts again.
    sent.clear();
    AlertmanagerConfigs restartedConfigs = new AlertmanagerConfigs(store, FallbackConfig.load(""),
        new PrometheusRegistry());
    StatePersister restartedPersister = persister();
    MultitenantAlertmanager restarted = new MultitenantAlertmanager(restartedConfigs,
        (tenant, config, templates) -> sent::add, tenant -> TenantAlertmanager.Settings.DEFAULTS, clock,
        new PrometheusRegistry(), restartedPersister);
    try {
      restartedConfigs.sync("initial");
      Silence kept = restarted.withTenant("a", false, (am, now) -> am.silences().get(silenceId));
      assertThat(kept).as("the silence survived the restart").isNotNull();
      restarted.post("a", List.of(alert("x"), alert("muted")));
      clock.advance(Duration.ofSeconds(10));
      restarted.tick();
      clock.advance(Duration.ofMinutes(1));
      restarted.tick();
      assertThat(sent).as("x was notified before the restart; muted is silenced").isEmpty();
    } finally {
      restarted.close();
      restartedPersister.close();
      restartedConfigs.close();
    }
  }

  private StatePersister persister() {
    return new StatePersister(new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT,
        NotificationLog.DEFAULT_RETENTION, 0), clock, new PrometheusRegistry());
  }

  private void waitForSends(int n) throws InterruptedException {
    while (sent.size() < n) {
      Thread.sleep(5);
    }
  }
}
