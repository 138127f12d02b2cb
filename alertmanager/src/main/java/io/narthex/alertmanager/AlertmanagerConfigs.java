package io.narthex.alertmanager;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration each tenant runs with, polled from the store as Mimir's {@code loadAndSyncConfigs} does
 * (every {@code -alertmanager.configs.poll-interval}, and at once after a change through the API): a tenant's stored
 * configuration, or the fallback for a tenant without one.
 *
 * <p>A reload keeps what did not change: an unchanged configuration keeps its {@link AlertmanagerConfig} instance, so
 * that what is built on it later (dispatch, issue 16 item 3) is not rebuilt. A stored configuration that no longer
 * validates (written by an older Narthex, or by hand in the bucket) does not replace the one running: the tenant
 * keeps its previous configuration, and {@code cortex_alertmanager_config_last_reload_successful} drops to 0.
 */
public final class AlertmanagerConfigs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertmanagerConfigs.class);

  /** Told of each change of a tenant's running configuration (see {@link #addListener}). */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param config the configuration the tenant runs now: its newly loaded one, or the fallback after its own was
     *     deleted
     * @param templateFiles the tenant's stored {@code template_files}, name to text; empty with the fallback
     * @param own whether {@code config} is the tenant's own (false: the fallback)
     */
    void changed(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles, boolean own);
  }

  /** A tenant's running configuration and the stored form it came from. */
  private record Running(AlertConfigDesc stored, AlertmanagerConfig config) {}

  private final BucketAlertStore store;
  private final AlertmanagerConfig fallback;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Gauge lastReloadSuccessful;
  private final Gauge lastReloadSuccessfulSeconds;
  private final Gauge tenantsDiscovered;
  private final Counter syncs;
  private final Counter syncFailures;
  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ScheduledExecutorService poller;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public AlertmanagerConfigs(BucketAlertStore store, AlertmanagerConfig fallback, PrometheusRegistry registry) {
    this.store = store;
    this.fallback = fallback;
    // Mimir's names (pkg/alertmanager/multitenant.go).
    lastReloadSuccessful = Gauge.builder().name("cortex_alertmanager_config_last_reload_successful")
        .help("Boolean set to 1 whenever the last configuration reload attempt was successful.").labelNames("user")
        .register(registry);
    lastReloadSuccessfulSeconds = Gauge.builder().name("cortex_alertmanager_config_last_reload_successful_seconds")
        .help("Timestamp of the last successful configuration reload.").labelNames("user").register(registry);
    tenantsDiscovered = Gauge.builder().name("cortex_alertmanager_tenants_discovered")
        .help("Number of tenants with an Alertmanager configuration discovered.").register(registry);
    syncs = Counter.builder().name("cortex_alertmanager_sync_configs_total")
        .help("Total number of times the alertmanager sync operation triggered.").labelNames("reason")
        .register(registry);
    syncFailures = Counter.builder().name("cortex_alertmanager_sync_configs_failed_total")
        .help("Total number of times the alertmanager sync operation failed.").labelNames("reason")
        .register(registry);
  }

  /** The configuration the tenant runs with: its own as last loaded, else the fallback. */
  public AlertmanagerConfig configOf(String tenant) {
    Running own = running.get(tenant);
    return own == null ? fallback : own.config();
  }

  /** The tenant's stored {@code template_files} as last loaded; empty when it runs the fallback. */
  public Map<String, String> templateFilesOf(String tenant) {
    Running own = running.get(tenant);
    return own == null ? Map.of() : own.stored().templates();
  }

  /**
   * Calls {@code listener} after each load of a changed configuration and after each deletion (with the fallback),
   * on the syncing thread; an unchanged configuration is not reported again. Add it before {@link #start}, so that
   * the initial load is reported too.
   */
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  private void tell(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles, boolean own) {
    for (Listener l : listeners) {
      try {
        l.changed(tenant, config, templateFiles, own);
      } catch (RuntimeException e) {
        log.warn("applying the Alertmanager config failed tenant={} err=\"{}\"", tenant, e.toString());
      }
    }
  }

  /** The tenants running their own configuration. */
  public Set<String> tenants() {
    return Set.copyOf(running.keySet());
  }

  /**
   * Loads every tenant's stored configuration; a tenant whose configuration is gone runs the fallback again.
   *
   * @param reason {@code initial}, {@code periodic} or {@code api}, the label of the sync counters
   * @throws IOException when the store cannot be listed; the configurations running stay
   */
  public synchronized void sync(String reason) throws IOException {
    syncs.labelValues(reason).inc();
    List<String> tenants;
    try {
      tenants = store.tenants();
    } catch (IOException e) {
      syncFailures.labelValues(reason).inc();
      throw e;
    }
    tenantsDiscovered.set(tenants.size());
    Set<String> seen = new HashSet<>();
    for (String tenant : tenants) {
      if (load(tenant)) {
        seen.add(tenant);
      }
    }
    for (String tenant : Set.copyOf(running.keySet())) {
      if (!seen.contains(tenant)) {
        forget(tenant);
      }
    }
  }

  /** The tenant's configuration is gone: it runs the fallback again. */
  private void forget(String tenant) {
    running.remove(tenant);
    lastReloadSuccessful.remove(tenant);
    lastReloadSuccessfulSeconds.remove(tenant);
    tell(tenant, fallback, Map.of(), false);
  }

  /**
   * Loads one tenant's stored configuration; returns whether the store holds one (also when unreadable or invalid:
   * the tenant keeps what it runs).
   */
  private boolean load(String tenant) {
    Optional<AlertConfigDesc> stored;
    try {
      stored = store.get(tenant);
    } catch (IOException e) {
      // Keep what runs: one unreadable object must not stop the others' reloads.
      log.warn("reading the Alertmanager config failed tenant={} err=\"{}\"", tenant, e.toString());
      lastReloadSuccessful.labelValues(tenant).set(0);
      return true;
    }
    if (stored.isEmpty()) {
      return false;
    }
    Running current = running.get(tenant);
    if (current != null && current.stored().equals(stored.get())) {
      return true;
    }
    try {
      AlertmanagerConfig parsed = AlertmanagerConfig.parse(stored.get().rawConfig());
      running.put(tenant, new Running(stored.get(), parsed));
      lastReloadSuccessful.labelValues(tenant).set(1);
      lastReloadSuccessfulSeconds.labelValues(tenant).set(System.currentTimeMillis() / 1000.0);
      tell(tenant, parsed, stored.get().templates(), true);
    } catch (InvalidConfigException e) {
      log.warn("error applying config tenant={} err=\"{}\"", tenant, e.getMessage());
      lastReloadSuccessful.labelValues(tenant).set(0);
    }
    return true;
  }

  /**
   * Loads one tenant's configuration, after the API changed it: the fallback again when it was deleted. Other
   * tenants are not read, so a change costs one read however many tenants there are.
   */
  public synchronized void syncTenant(String tenant) {
    syncs.labelValues("api").inc();
    if (!load(tenant) && running.containsKey(tenant)) {
      forget(tenant);
    }
  }

  /** Syncs now ({@code initial}), then every {@code pollInterval} ({@code periodic}) on a thread of its own. */
  public synchronized void start(Duration pollInterval) throws IOException {
    sync("initial");
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "alertmanager-configs-poller");
      thread.setDaemon(true);
      return thread;
    });
    poller.scheduleWithFixedDelay(() -> syncQuietly("periodic"), pollInterval.toMillis(), pollInterval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Syncs, logging a failure rather than throwing: for the poller and for the API after a change. */
  public void syncQuietly(String reason) {
    try {
      sync(reason);
    } catch (IOException | RuntimeException e) {
      log.warn("error while synchronizing alertmanager configs reason={} err=\"{}\"", reason, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
