package io.narthex.alertmanager;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.SenderFactory;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.replication.ReplicatedAlertmanagerState;
import io.narthex.alertmanager.state.StatePersister;
import io.narthex.alertmanager.state.TenantState;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tenant's Alertmanager in this process, as Mimir's {@code MultitenantAlertmanager}: one
 * {@link TenantAlertmanager} per tenant that has a configuration (its own, or the fallback once the tenant used the
 * API), built and reloaded as {@link AlertmanagerConfigs} reports changes (state kept across reloads), and removed
 * when the tenant's own configuration is deleted and it holds no alerts and no silences.
 *
 * <p>Concurrency: a tenant's calls are serialized by its lock, and no call under it waits for a notification. A flush
 * computes what to send under the lock, sends on a virtual thread (one per integration), and takes the lock again to
 * log what was delivered, as each of Alertmanager's aggregation groups sends from its own goroutine; so one slow
 * receiver delays neither the API, nor another group, nor another tenant. One platform thread ({@link #start}) fires
 * the flushes when due by the injected {@link Clock}; tests drive {@link #tick} themselves.
 *
 * <p>Metrics: Alertmanager's, with Mimir's {@code cortex_} prefix and a {@code user} label (Mimir aggregates the
 * per-tenant registries so): {@code cortex_alertmanager_alerts{state}}, {@code ..._alerts_received_total{status}},
 * {@code ..._alerts_invalid_total}, {@code ..._silences{state}}, {@code ..._dispatcher_aggregation_groups}. The
 * notification counters ({@code ..._notifications_total} and {@code ..._failed_total}) are the sender's, which knows
 * the reason of a failure.
 *
 * <p><b>Replicated mode</b> (with a {@link ReplicatedAlertmanagerState}): {@link ReplicatedDispatch} writes alerts and
 * silences through the tenant's Raft group and runs, on the group's leader, mirrors of its tenants in the same map
 * of running tenants, which this class's scheduler flushes; other processes answer reads from the group.
 */
public final class MultitenantAlertmanager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MultitenantAlertmanager.class);
  /** The longest the scheduler sleeps: the dispatcher's maintenance period. */
  static final Duration MAX_SLEEP = Duration.ofSeconds(30);
  /** How often resolved alerts, expired silences and old log entries are dropped (Alertmanager: 15m to 30m). */
  static final Duration GC_INTERVAL = Duration.ofMinutes(15);

  private final AlertmanagerConfigs configs;
  private final SenderFactory senders;
  private final Function<String, TenantAlertmanager.Settings> settingsOf;
  private final Clock clock;
  /** Null when state is not persisted (tests). */
  private final StatePersister persister;
  private final Map<String, RunningTenant> tenants = new ConcurrentHashMap<>();
  private final Object wakeUp = new Object();
  private boolean woken;
  private volatile boolean closed;
  private Thread scheduler;
  private Instant nextGc;
  private final Counter received;
  private final Counter invalid;
  /** Null in local mode. */
  private final ReplicatedDispatch replicated;

  /** What a post stored: how many alerts, and why the others were refused. */
  public record Posted(int stored, List<String> invalid, List<String> refused) {}

  /**
   * @param settingsOf a tenant's limits and retention, read when its Alertmanager is created
   * @throws IllegalStateException when {@code registry} holds these metrics already
   */
  public MultitenantAlertmanager(AlertmanagerConfigs configs, SenderFactory senders,
      Function<String, TenantAlertmanager.Settings> settingsOf, Clock clock, PrometheusRegistry registry) {
    this(configs, senders, settingsOf, clock, registry, null);
  }

  /**
   * @param persister where each tenant's silences and notification log are read from when its Alertmanager starts,
   *     and written to while it runs; null for none
   */
  public MultitenantAlertmanager(AlertmanagerConfigs configs, SenderFactory senders,
      Function<String, TenantAlertmanager.Settings> settingsOf, Clock clock, PrometheusRegistry registry,
      StatePersister persister) {
    this(configs, senders, settingsOf, clock, registry, persister, null);
  }

  /**
   * @param replicated the replicated state to write to and read from, and whose groups this process dispatches when
   *     it leads them; null to keep every tenant's state in this process (one replica)
   */
  public MultitenantAlertmanager(AlertmanagerConfigs configs, SenderFactory senders,
      Function<String, TenantAlertmanager.Settings> settingsOf, Clock clock, PrometheusRegistry registry,
      StatePersister persister, ReplicatedAlertmanagerState replicated) {
    this.configs = configs;
    this.persister = persister;
    this.senders = senders;
    this.settingsOf = settingsOf;
    this.clock = clock;
    this.nextGc = clock.instant().plus(GC_INTERVAL);
    received = Counter.builder().name("cortex_alertmanager_alerts_received_total")
        .help("The total number of received alerts.").labelNames("user", "status").register(registry);
    invalid = Counter.builder().name("cortex_alertmanager_alerts_invalid_total")
        .help("The total number of received alerts that were invalid.").labelNames("user").register(registry);
    GaugeWithCallback.builder().name("cortex_alertmanager_alerts")
        .help("How many alerts by state.").labelNames("user", "state")
        .callback(cb -> forEachTenant((id, am) -> {
          Instant now = clock.instant();
          int active = 0;
          int suppressed = 0;
          for (Alert a : am.alerts().list()) {
            if (!a.resolvedAt(now)) {
              if (am.status(a, now).state().equals("active")) {
                active++;
              } else {
                suppressed++;
              }
            }
          }
          cb.call(active, id, "active");
          cb.call(suppressed, id, "suppressed");
        })).register(registry);
    GaugeWithCallback.builder().name("cortex_alertmanager_silences")
        .help("How many silences by state.").labelNames("user", "state")
        .callback(cb -> forEachTenant((id, am) -> {
          Instant now = clock.instant();
          int[] byState = new int[Silence.State.values().length];
          for (Silence s : am.silences().list()) {
            byState[s.state(now).ordinal()]++;
          }
          for (Silence.State state : Silence.State.values()) {
            cb.call(byState[state.ordinal()], id, state.apiName());
          }
        })).register(registry);
    GaugeWithCallback.builder().name("cortex_alertmanager_dispatcher_aggregation_groups")
        .help("Number of active aggregation groups").labelNames("user")
        .callback(cb -> forEachTenant((id, am) -> cb.call(am.dispatcher().groupCount(), id))).register(registry);
    this.replicated = replicated == null ? null : new ReplicatedDispatch(this, replicated, registry);
    configs.addListener(this::configChanged);
  }

  /** Whether alerts and silences live in Raft groups rather than in this process. */
  public boolean replicated() {
    return replicated != null;
  }

  /** The clock's now, as the calls on tenants see it. */
  public Instant now() {
    return clock.instant();
  }

  // --- shared with ReplicatedDispatch

  Map<String, RunningTenant> tenantMap() {
    return tenants;
  }

  AlertmanagerConfigs configs() {
    return configs;
  }

  Clock clock() {
    return clock;
  }

  /** Null when state is not persisted. */
  StatePersister persister() {
    return persister;
  }

  TenantAlertmanager.Settings settingsOf(String tenant) {
    return settingsOf.apply(tenant);
  }

  private void forEachTenant(java.util.function.BiConsumer<String, TenantAlertmanager> call) {
    for (RunningTenant t : tenants.values()) {
      t.lock.lock();
      try {
        if (!t.removed) {
          call.accept(t.id, t.alertmanager);
        }
      } finally {
        t.lock.unlock();
      }
    }
  }

  NotificationPipeline.Sender sender(String tenant, AlertmanagerConfig config,
      Map<String, String> templateFiles) {
    return senders.forTenant(tenant, config, templateFiles);
  }

  /** {@link AlertmanagerConfigs.Listener}: creates, reloads or removes the tenant's Alertmanager. */
  private void configChanged(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles,
      boolean own) {
    if (replicated != null) {
      replicated.configChanged(tenant, config, templateFiles);
      return;
    }
    // Built before taking the lock: a sender may parse the tenant's templates.
    NotificationPipeline.Sender sender = own || tenants.containsKey(tenant)
        ? sender(tenant, config, templateFiles) : null;
    while (true) {
      RunningTenant t = tenants.get(tenant);
      if (t == null) {
        if (!own) {
          return;
        }
        RunningTenant created = local(tenant, config, sender, true);
        if (tenants.putIfAbsent(tenant, created) == null) {
          restoreState(created);
          created.rescheduled();
          return;
        }
        continue;
      }
      t.lock.lock();
      try {
        if (t.removed) {
          continue;
        }
        t.own = own;
        if (!own && removable(t)) {
          remove(t);
          return;
        }
        t.alertmanager.reload(config, sender != null ? sender : sender(tenant, config, templateFiles),
            clock.instant());
        t.rescheduled();
      } finally {
        t.lock.unlock();
      }
      wake();
      return;
    }
  }

  private static boolean removable(RunningTenant t) {
    return !t.own && t.alertmanager.alerts().list().isEmpty() && t.alertmanager.silences().list().isEmpty();
  }

  /** A tenant's own Alertmanager, under its limits and retention. */
  private RunningTenant local(String tenant, AlertmanagerConfig config, NotificationPipeline.Sender sender,
      boolean own) {
    return new RunningTenant(tenant, -1, -1, own, clock, this::wake,
        runner -> new TenantAlertmanager(config, settingsOf.apply(tenant), sender, runner, clock.instant()));
  }

  /** The tenant's silences and log as the bucket keeps them, copied under its lock. */
  static TenantState stateOf(RunningTenant t) {
    t.lock.lock();
    try {
      return TenantState.of(t.alertmanager.silences(), t.alertmanager.notificationLog());
    } finally {
      t.lock.unlock();
    }
  }

  /**
   * Reads the tenant's stored silences and notification log into its new Alertmanager (before its first flush can
   * be due, so nothing already sent is sent again), and persists them from now on.
   */
  private void restoreState(RunningTenant t) {
    if (persister == null) {
      return;
    }
    persister.register(t.id, new StatePersister.Source() {
      @Override
      public TenantState snapshot() {
        return stateOf(t);
      }

      @Override
      public void merge(TenantState stored) {
        t.lock.lock();
        try {
          stored.mergeInto(t.alertmanager.silences(), t.alertmanager.notificationLog(), clock.instant());
        } finally {
          t.lock.unlock();
        }
      }
    });
  }

  private void remove(RunningTenant t) {
    t.removed = true;
    tenants.remove(t.id, t);
    if (persister != null) {
      persister.deregister(t.id);
    }
    log.info("removed the Alertmanager of a tenant without configuration or state tenant={}", t.id);
  }

  /**
   * Runs {@code call} on the tenant's Alertmanager under its lock, at the clock's {@code now}. A tenant without one
   * gets one with the fallback configuration when {@code create} (calls that store alerts or silences); otherwise the
   * call sees an empty Alertmanager with the configuration the tenant would run, which is not kept.
   */
  public <T> T withTenant(String tenant, boolean create, TenantCall<T> call) {
    while (true) {
      RunningTenant t = tenants.get(tenant);
      if (t == null && replicated != null) {
        return replicated.view(tenant, call);
      }
      if (t == null && !create) {
        AlertmanagerConfig config = configs.configOf(tenant);
        TenantAlertmanager empty = new TenantAlertmanager(config, settingsOf.apply(tenant), n -> false,
            clock.instant());
        return call.apply(empty, clock.instant());
      }
      if (t == null) {
        AlertmanagerConfig config = configs.configOf(tenant);
        RunningTenant created = local(tenant, config, sender(tenant, config, configs.templateFilesOf(tenant)),
            configs.tenants().contains(tenant));
        t = tenants.putIfAbsent(tenant, created);
        if (t == null) {
          t = created;
          restoreState(created);
        }
      }
      t.lock.lock();
      try {
        if (t.removed) {
          continue;
        }
        T result = call.apply(t.alertmanager, clock.instant());
        Instant before = t.nextFlush;
        t.rescheduled();
        if (t.nextFlush != null && (before == null || t.nextFlush.isBefore(before))) {
          wake();
        }
        return result;
      } finally {
        t.lock.unlock();
      }
    }
  }

  /**
   * The configuration the tenant's Alertmanager runs here, or the one it would run (its own or the fallback): what
   * {@code GET status} and {@code receivers} show, answered without reading the replicated state.
   */
  public AlertmanagerConfig configOf(String tenant) {
    RunningTenant t = tenants.get(tenant);
    if (t != null) {
      t.lock.lock();
      try {
        if (!t.removed) {
          return t.alertmanager.config();
        }
      } finally {
        t.lock.unlock();
      }
    }
    return configs.configOf(tenant);
  }

  /** A call on one tenant's Alertmanager, under its lock. */
  @FunctionalInterface
  public interface TenantCall<T> {
    T apply(TenantAlertmanager alertmanager, Instant now);
  }

  /**
   * {@code POST /api/v2/alerts}: stores the alerts (the tenant gets an Alertmanager if it had none) and counts them
   * as Alertmanager does: every posted alert as received, by its state after the defaults, and the invalid ones.
   */
  public Posted post(String tenant, List<AlertStore.PostableAlert> alerts) {
    if (replicated != null) {
      Instant now = clock.instant();
      for (AlertStore.PostableAlert a : alerts) {
        boolean resolved = a.endsAt() != null && !a.endsAt().isAfter(now);
        received.labelValues(tenant, resolved ? "resolved" : "firing").inc();
      }
      ReplicatedAlertmanagerState.PostResult r = replicated.post(tenant, alerts);
      if (!r.invalid().isEmpty()) {
        invalid.labelValues(tenant).inc(r.invalid().size());
      }
      return new Posted(r.stored(), r.invalid(), r.refused());
    }
    AlertStore.PutResult result = withTenant(tenant, true, (am, now) -> {
      for (AlertStore.PostableAlert a : alerts) {
        boolean resolved = a.endsAt() != null && !a.endsAt().isAfter(now);
        received.labelValues(tenant, resolved ? "resolved" : "firing").inc();
      }
      return am.post(alerts, now);
    });
    if (!result.invalid().isEmpty()) {
      invalid.labelValues(tenant).inc(result.invalid().size());
    }
    return new Posted(result.stored().size(), result.invalid(), result.refused());
  }

  /**
   * {@code POST /api/v2/silences}: creates or updates a silence (the tenant gets an Alertmanager if it had none).
   *
   * @return the silence's id
   * @throws Silences.SilenceException when refused, with Alertmanager's message
   * @throws io.narthex.alertmanager.replication.StateUnavailableException (replicated) no quorum in time
   * @throws io.narthex.alertmanager.replication.EntryTooLargeException (replicated) over the largest entry
   */
  public String setSilence(String tenant, Silence silence) {
    if (replicated == null) {
      return withTenant(tenant, true, (am, now) -> am.silences().set(silence, now));
    }
    return replicated.setSilence(tenant, silence);
  }

  /**
   * {@code DELETE /api/v2/silence/{id}}: expires a silence.
   *
   * @throws Silences.SilenceException when unknown or already expired
   * @throws io.narthex.alertmanager.replication.StateUnavailableException (replicated) no quorum in time
   */
  public void expireSilence(String tenant, String id) {
    if (replicated == null) {
      withTenant(tenant, false, (am, now) -> {
        am.silences().expire(id, now);
        return null;
      });
      return;
    }
    replicated.expireSilence(tenant, id);
  }

  /** The tenants with an Alertmanager in this process. */
  public List<String> tenants() {
    return List.copyOf(tenants.keySet());
  }

  /**
   * Fires every flush due by the clock's now, tenant by tenant, and every {@link #GC_INTERVAL} drops resolved alerts,
   * expired silences and old log entries (removing the Alertmanager of a tenant left without configuration or
   * state). Returns the earliest flush still pending, or null.
   */
  public Instant tick() {
    Instant now = clock.instant();
    boolean gc = !now.isBefore(nextGc);
    if (gc) {
      nextGc = now.plus(GC_INTERVAL);
    }
    Instant earliest = null;
    List<RunningTenant> orphans = new java.util.ArrayList<>();
    for (RunningTenant t : tenants.values()) {
      Instant due = t.nextFlush;
      if (gc || (due != null && !due.isAfter(now))) {
        t.lock.lock();
        try {
          if (t.removed) {
            continue;
          }
          t.alertmanager.advanceTo(now);
          if (gc) {
            t.alertmanager.collectGarbage(now);
            if (t.group < 0 && removable(t)) {
              remove(t);
              continue;
            }
            if (t.orphan) {
              orphans.add(t);
            }
          }
          due = t.rescheduled();
        } finally {
          t.lock.unlock();
        }
      }
      if (due != null && (earliest == null || due.isBefore(earliest))) {
        earliest = due;
      }
    }
    if (gc && replicated != null) {
      // After the loop: the group's state lock comes before a tenant's.
      orphans.forEach(replicated::dropIfIdle);
      replicated.collectGarbage();
    }
    return earliest;
  }

  /** Starts the scheduler thread, which calls {@link #tick} whenever a flush falls due. */
  public synchronized void start() {
    scheduler = Thread.ofPlatform().name("alertmanager-dispatch").daemon().start(this::runScheduler);
  }

  private void runScheduler() {
    while (!closed) {
      Instant earliest;
      try {
        earliest = tick();
      } catch (RuntimeException e) {
        log.warn("alertmanager dispatch tick failed err=\"{}\"", e.toString());
        earliest = null;
      }
      long sleepMs = MAX_SLEEP.toMillis();
      if (earliest != null) {
        sleepMs = Math.max(0, Math.min(sleepMs, Duration.between(clock.instant(), earliest).toMillis() + 1));
      }
      synchronized (wakeUp) {
        try {
          if (!woken && sleepMs > 0) {
            wakeUp.wait(sleepMs);
          }
        } catch (InterruptedException e) {
          return;
        }
        woken = false;
      }
    }
  }

  void wake() {
    synchronized (wakeUp) {
      woken = true;
      wakeUp.notifyAll();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    wake();
    if (replicated != null) {
      replicated.close();
    }
    if (scheduler != null) {
      try {
        scheduler.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
