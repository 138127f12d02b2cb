package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertmanagerConfigsTest {
  private static final String CONFIG = "route: {receiver: team}\nreceivers: [{name: team}]\n";

  @TempDir Path root;
  private Bucket bucket;
  private BucketAlertStore store;
  private PrometheusRegistry registry;
  private AlertmanagerConfigs configs;

  @BeforeEach
  void open() throws Exception {
    bucket = Buckets.filesystem("alertmanager-configs-test", root);
    store = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
    registry = new PrometheusRegistry();
    configs = new AlertmanagerConfigs(store, FallbackConfig.load(""), registry);
  }

  @AfterEach
  void close() throws Exception {
    configs.close();
    bucket.close();
  }

  @Test
  void aTenantWithoutAConfigRunsTheFallbackAndGoesBackToItAfterADelete() throws Exception {
    configs.sync("initial");
    assertThat(configs.configOf("a").route().receiver()).isEqualTo("empty-receiver");
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    configs.sync("api");
    assertThat(configs.configOf("a").route().receiver()).isEqualTo("team");
    assertThat(configs.configOf("b").route().receiver()).isEqualTo("empty-receiver");
    store.delete("a");
    configs.sync("periodic");
    assertThat(configs.configOf("a").route().receiver()).isEqualTo("empty-receiver");
    assertThat(configs.tenants()).isEmpty();
  }

  @Test
  void anApiChangeReloadsThatTenantAloneAndADeleteGoesBackToTheFallback() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    store.set(new AlertConfigDesc("b", CONFIG, Map.of()));
    configs.sync("initial");
    store.set(new AlertConfigDesc("a", CONFIG.replace("team", "ops"), Map.of()));
    store.set(new AlertConfigDesc("b", CONFIG.replace("team", "ops"), Map.of()));
    configs.syncTenant("a");
    assertThat(configs.configOf("a").route().receiver()).isEqualTo("ops");
    assertThat(configs.configOf("b").route().receiver()).as("b is read at the next poll").isEqualTo("team");
    store.delete("a");
    configs.syncTenant("a");
    assertThat(configs.configOf("a").route().receiver()).isEqualTo("empty-receiver");
    assertThat(configs.tenants()).containsExactly("b");
  }

  @Test
  void aReloadKeepsTheInstanceOfAnUnchangedConfigAndReplacesAChangedOne() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of("t.tmpl", "x")));
    store.set(new AlertConfigDesc("b", CONFIG, Map.of()));
    configs.sync("initial");
    AlertmanagerConfig a = configs.configOf("a");
    AlertmanagerConfig b = configs.configOf("b");
    store.set(new AlertConfigDesc("b", CONFIG.replace("team", "ops"), Map.of()));
    configs.sync("periodic");
    assertThat(configs.configOf("a")).isSameAs(a);
    assertThat(configs.configOf("b")).isNotSameAs(b);
    assertThat(configs.configOf("b").route().receiver()).isEqualTo("ops");
  }

  @Test
  void aStoredConfigThatDoesNotValidateLeavesThePreviousOneRunning() throws Exception {
    store.set(new AlertConfigDesc("a", CONFIG, Map.of()));
    configs.sync("initial");
    AlertmanagerConfig before = configs.configOf("a");
    assertThat(lastReloadSuccessful("a")).isEqualTo(1);
    // Written to the bucket without the API's checks, as an older version or a hand edit could.
    store.set(new AlertConfigDesc("a", "route: {receiver: nobody}\nreceivers: [{name: team}]\n", Map.of()));
    configs.sync("periodic");
    assertThat(configs.configOf("a")).isSameAs(before);
    assertThat(lastReloadSuccessful("a")).isEqualTo(0);
  }

  private double lastReloadSuccessful(String tenant) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals("cortex_alertmanager_config_last_reload_successful"))
        .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
        .filter(p -> p.getLabels().get("user").equals(tenant))
        .findFirst().orElseThrow().getValue();
  }
}
