package io.narthex.alertmanager;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.SenderFactory;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.replication.NotifyIntent;
import io.narthex.alertmanager.replication.ReplicatedAlertmanagerState;
import io.narthex.alertmanager.replication.SilenceRefusedException;
import io.narthex.alertmanager.replication.StateListener;
import io.narthex.alertmanager.replication.TenantCopy;
import io.narthex.alertmanager.state.StatePersister;
import io.narthex.alertmanager.state.TenantState;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
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
 * <p><b>Replicated mode</b> (with a {@link ReplicatedAlertmanagerState}; design in docs/alertmanager.md "Replication
 * over Raft"). Alerts and silences are written as entries of the tenant's Raft group, from any process, and answered
 * once a quorum holds them. Only the ready leader of a group dispatches its tenants: it copies the group's state when
 * it becomes leader and then mirrors each applied change ({@link StateListener}), so its aggregation groups, silences
 * and log follow the replicated state. Each send is fenced: a {@code NotifyIntent} entry is committed before it, a
 * {@code NotifyDone} (logged) or {@code NotifyAbandoned} after it. A new leader abandons the intents it finds open,
 * so their groups are sent again (at least once), and holds each rebuilt group's first flush until
 * {@code group_interval} after its last logged notification. Reads are answered from the mirror on the leader, and
 * elsewhere from linearizable reads of the group. Only the leader persists a tenant's state to the bucket; a tenant
 * the group does not know yet is seeded from the bucket through a {@code LoadState} entry.
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
  private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();
  private final Object wakeUp = new Object();
  private boolean woken;
  private volatile boolean closed;
  private Thread scheduler;
  private Instant nextGc;
  private final Counter received;
  private final Counter invalid;
  /** Null in local mode. */
  private final ReplicatedAlertmanagerState replicated;
  /**
   * The groups this process leads with their dispatch attached, each with the Raft term it leads in (which fences
   * its sends); changed under the group's state lock.
   */
  private final Map<Integer, Long> leading = new ConcurrentHashMap<>();
  /** Leadership changes, in the order Ratis reported them, off Ratis's threads. */
  private final ExecutorService leadership;
  private final Counter intentFailures;
  private final Counter inDoubt;

  /** What a post stored: how many alerts, and why the others were refused. */
  public record Posted(int stored, List<String> invalid, List<String> refused) {}

  /** One tenant's Alertmanager and the lock serializing its calls. */
  private final class Tenant {
    final String id;
    /** The replicated group this tenant's mirror belongs to; -1 in local mode. */
    final int group;
    /** The Raft term in which this process leads the group, which the mirror's sends are fenced to; -1 locally. */
    final long term;
    final ReentrantLock lock = new ReentrantLock();
    final TenantAlertmanager alertmanager;
    boolean own;
    boolean removed;
    // The dispatcher's next flush, read by the scheduler without the lock.
    volatile Instant nextFlush;

    Tenant(String id, AlertmanagerConfig config, NotificationPipeline.Sender sender, boolean own) {
      this.id = id;
      this.group = -1;
      this.term = -1;
      this.own = own;
      this.alertmanager = new TenantAlertmanager(config, settingsOf.apply(id), sender, this::sendElsewhere,
          clock.instant());
    }

    /** A leader's mirror of the tenant's replicated state: the group's entries enforced the limits already. */
    Tenant(String id, int group, long term, AlertmanagerConfig config, NotificationPipeline.Sender sender) {
      this.id = id;
      this.group = group;
      this.term = term;
      this.own = true;
      TenantAlertmanager.Settings s = settingsOf.apply(id);
      this.alertmanager = new TenantAlertmanager(config, new TenantAlertmanager.Settings(AlertStore.Limits.NONE,
          Silences.Limits.NONE, s.maxAggregationGroups(), s.retention()), fenced(id, term, sender),
          this::sendElsewhere, true, clock.instant());
    }

    void sendElsewhere(Runnable sends, Consumer<Instant> complete) {
      Thread.ofVirtual().name("alertmanager-flush-" + id).start(() -> {
        sends.run();
        lock.lock();
        try {
          complete.accept(clock.instant());
          nextFlush = alertmanager.dispatcher().nextFlush();
        } finally {
          lock.unlock();
        }
        wake();
      });
    }
  }

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
    this.replicated = replicated;
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
    intentFailures = Counter.builder().name("narthex_alertmanager_notify_intent_failures_total")
        .help("Notifications not sent because their intent could not be committed to the tenant's Raft group "
            + "(no quorum, or no longer its leader).").labelNames("user").register(registry);
    inDoubt = Counter.builder().name("narthex_alertmanager_notify_in_doubt_total")
        .help("Sends a new leader found open (started, outcome unknown) and let dispatch send again.")
        .labelNames("user").register(registry);
    if (replicated == null) {
      leadership = null;
    } else {
      leadership = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("alertmanager-leadership")
          .daemon().factory());
      if (replicated.local() != null) {
        Set<Integer> local = replicated.local().groups();
        GaugeWithCallback.builder().name("narthex_alertmanager_group_leader")
            .help("1 when this process is the ready leader of the Alertmanager state group and dispatches its "
                + "tenants, 0 for a replica that follows.").labelNames("group")
            .callback(cb -> local.forEach(g -> cb.call(leading.containsKey(g) ? 1 : 0, Integer.toString(g))))
            .register(registry);
        replicated.local().addStateListener(new Mirror());
        replicated.addLeadershipListener((group, ready) -> leadership.execute(() -> {
          try {
            if (ready) {
              takeOver(group);
            } else {
              stepDown(group);
            }
          } catch (RuntimeException e) {
            log.warn("alertmanager leadership change of group {} failed: {}", group, e.toString());
          }
        }));
      }
    }
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

  // --- replicated mode

  /**
   * Wraps a sender so that each send is fenced and logged through the tenant's group: intent committed first (only
   * by the leader of {@code term}, so not once this process was deposed), then the send, then done or abandoned.
   */
  private NotificationPipeline.Sender fenced(String tenant, long term, NotificationPipeline.Sender sender) {
    return n -> {
      Instant at = n.request().now();
      Set<Long> firing = new HashSet<>();
      Set<Long> resolved = new HashSet<>();
      for (Alert a : n.alerts()) {
        (a.resolvedAt(at) ? resolved : firing).add(NotificationLog.hashAlert(a.labels()));
      }
      String intentId = UUID.randomUUID().toString();
      try {
        replicated.notifyIntent(tenant, new NotifyIntent(intentId, n.request().groupKey(),
            n.integration().receiver(), firing, resolved, null), term);
      } catch (RuntimeException e) {
        intentFailures.labelValues(tenant).inc();
        log.warn("not sending: the notify intent was not committed tenant={} group={} receiver={} err=\"{}\"",
            tenant, n.request().groupKey(), n.integration().receiver(), e.toString());
        return false;
      }
      boolean delivered = false;
      try {
        delivered = sender.send(n);
        return delivered;
      } finally {
        try {
          if (delivered) {
            replicated.notifyDone(tenant, intentId);
          } else {
            replicated.notifyAbandoned(tenant, intentId);
          }
        } catch (RuntimeException e) {
          // The next leader finds the intent open and sends again: at least once.
          log.warn("the outcome of a send was not committed tenant={} intent={} delivered={} err=\"{}\"", tenant,
              intentId, delivered, e.toString());
        }
      }
    };
  }

  /** A leader's mirror of a tenant, created on first need; call under the group's state lock. */
  private Tenant mirrorOf(int group, String tenant) {
    Tenant t = tenants.get(tenant);
    if (t == null) {
      AlertmanagerConfig config = configs.configOf(tenant);
      t = new Tenant(tenant, group, leading.get(group), config,
          sender(tenant, config, configs.templateFilesOf(tenant)));
      tenants.put(tenant, t);
    }
    return t;
  }

  private void mirrorUpdate(int group, String tenant, java.util.function.BiConsumer<TenantAlertmanager, Instant> call) {
    if (!leading.containsKey(group)) {
      return;
    }
    Tenant t = tenants.get(tenant);
    if (t == null) {
      t = mirrorOf(group, tenant);
      if (persister != null) {
        // A tenant new to the group since the take-over: persisted from now on, registered off the state's lock
        // (registering reads the bucket, and may seed the group through Raft).
        long term = t.term;
        try {
          leadership.execute(() -> {
            Long leads = leading.get(group);
            if (leads != null && leads == term && !persister.registered(tenant)) {
              persistReplicated(group, tenant, false);
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // Closed: nothing is persisted any more.
        }
      }
    }
    t.lock.lock();
    try {
      Instant now = clock.instant();
      call.accept(t.alertmanager, now);
      t.nextFlush = t.alertmanager.dispatcher().nextFlush();
    } finally {
      t.lock.unlock();
    }
    wake();
  }

  /** Follows the applied changes of the groups this process leads into their tenants' mirrors. */
  private final class Mirror implements StateListener {
    @Override
    public void alertsStored(int group, String tenant, List<Alert> stored, Instant at) {
      mirrorUpdate(group, tenant, (am, now) -> am.mirrorAlerts(stored, now));
    }

    @Override
    public void silenceChanged(int group, String tenant, Silence silence, Instant at) {
      mirrorUpdate(group, tenant, (am, now) -> am.silences().merge(silence, now));
    }

    @Override
    public void notificationLogged(int group, String tenant, NotificationLog.Entry entry, Instant at) {
      mirrorUpdate(group, tenant, (am, now) -> am.notificationLog().merge(entry, now));
    }

    @Override
    public void stateLoaded(int group, String tenant, List<Silence> silences, List<NotificationLog.Entry> log,
        Instant at) {
      mirrorUpdate(group, tenant, (am, now) -> {
        silences.forEach(silence -> am.silences().merge(silence, now));
        log.forEach(entry -> am.notificationLog().merge(entry, now));
      });
    }
  }

  /**
   * This process became the group's ready leader: copies the group's state into mirrors and follows it from there
   * (atomically with the applies), then, off the state's lock, abandons the sends in doubt so that dispatch sends
   * them again, and starts persisting the group's tenants, seeding the ones the group does not know from the bucket.
   */
  private void takeOver(int group) {
    // A later step-down is queued behind this; leadership lost meanwhile shows in the term read under the lock.
    if (closed || leading.containsKey(group)) {
      return;
    }
    List<TenantCopy> copied = new java.util.ArrayList<>();
    replicated.local().attach(group, copies -> {
      long term = replicated.local().leaderTerm(group);
      if (term < 0) {
        return;
      }
      leading.put(group, term);
      copied.addAll(copies);
      for (TenantCopy c : copies) {
        Tenant t = mirrorOf(group, c.tenant());
        t.lock.lock();
        try {
          t.alertmanager.mirrorState(c.alerts(), c.silences(), c.log(), clock.instant());
          t.nextFlush = t.alertmanager.dispatcher().nextFlush();
        } finally {
          t.lock.unlock();
        }
      }
    });
    if (!leading.containsKey(group)) {
      return;
    }
    wake();
    int open = 0;
    Set<String> known = new LinkedHashSet<>();
    for (TenantCopy c : copied) {
      known.add(c.tenant());
      for (NotifyIntent intent : c.openIntents()) {
        open++;
        inDoubt.labelValues(c.tenant()).inc();
        try {
          replicated.notifyAbandoned(c.tenant(), intent.intentId());
        } catch (RuntimeException e) {
          log.warn("could not close the send in doubt tenant={} intent={} err=\"{}\"", c.tenant(),
              intent.intentId(), e.toString());
        }
      }
    }
    log.info("alertmanager group {} is led here: {} tenants, {} sends in doubt sent again", group, known.size(),
        open);
    if (persister != null) {
      Set<String> all = new LinkedHashSet<>(known);
      for (String tenant : configs.tenants()) {
        if (replicated.groupOf(tenant) == group) {
          all.add(tenant);
        }
      }
      for (String tenant : all) {
        if (leading.containsKey(group)) {
          persistReplicated(group, tenant, known.contains(tenant));
        }
      }
    }
  }

  /** The tenant's silences and log as the bucket keeps them, copied under its lock. */
  private static TenantState stateOf(Tenant t) {
    t.lock.lock();
    try {
      return TenantState.of(t.alertmanager.silences(), t.alertmanager.notificationLog());
    } finally {
      t.lock.unlock();
    }
  }

  private void persistReplicated(int group, String tenant, boolean known) {
    persister.register(tenant, new StatePersister.Source() {
      @Override
      public TenantState snapshot() {
        if (!leading.containsKey(group)) {
          // Led elsewhere now: this process's copy is not the one to write (null skips the write).
          return null;
        }
        Tenant t = tenants.get(tenant);
        return t == null ? TenantState.EMPTY : stateOf(t);
      }

      @Override
      public void merge(TenantState stored) {
        // The group's own state is newer than the bucket's; only a tenant it never held is seeded.
        if (!known && !stored.isEmpty() && leading.containsKey(group)) {
          try {
            replicated.loadState(tenant, stored);
          } catch (RuntimeException e) {
            // One tenant's seed (too large, no quorum) must not stop the others' registration.
            log.warn("alertmanager state of tenant {} not seeded from the bucket into group {}: {}", tenant, group,
                e.toString());
          }
        }
      }
    });
  }

  /** This process no longer leads the group: its mirrors stop dispatching, and another process persists them. */
  private void stepDown(int group) {
    if (!leading.containsKey(group)) {
      return;
    }
    List<String> dropped = new java.util.ArrayList<>();
    replicated.local().withStateLock(group, () -> {
      leading.remove(group);
      for (Tenant t : tenants.values()) {
        if (t.group != group) {
          continue;
        }
        t.lock.lock();
        try {
          t.removed = true;
          tenants.remove(t.id, t);
          dropped.add(t.id);
        } finally {
          t.lock.unlock();
        }
      }
    });
    if (persister != null) {
      dropped.forEach(persister::forget);
    }
    log.info("alertmanager group {} is no longer led here: {} tenants stop dispatching", group, dropped.size());
  }

  private void forEachTenant(java.util.function.BiConsumer<String, TenantAlertmanager> call) {
    for (Tenant t : tenants.values()) {
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

  private NotificationPipeline.Sender sender(String tenant, AlertmanagerConfig config,
      Map<String, String> templateFiles) {
    return senders.forTenant(tenant, config, templateFiles);
  }

  /** {@link AlertmanagerConfigs.Listener}: creates, reloads or removes the tenant's Alertmanager. */
  private void configChanged(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles,
      boolean own) {
    if (replicated != null) {
      // Only a leader's mirror dispatches; it is created by the tenant's state, not by its configuration.
      Tenant t = tenants.get(tenant);
      if (t != null) {
        NotificationPipeline.Sender sender = fenced(tenant, t.term, sender(tenant, config, templateFiles));
        t.lock.lock();
        try {
          if (!t.removed) {
            t.alertmanager.reload(config, sender, clock.instant());
            t.nextFlush = t.alertmanager.dispatcher().nextFlush();
          }
        } finally {
          t.lock.unlock();
        }
        wake();
      }
      return;
    }
    // Built before taking the lock: a sender may parse the tenant's templates.
    NotificationPipeline.Sender sender = own || tenants.containsKey(tenant)
        ? sender(tenant, config, templateFiles) : null;
    while (true) {
      Tenant t = tenants.get(tenant);
      if (t == null) {
        if (!own) {
          return;
        }
        Tenant created = new Tenant(tenant, config, sender, true);
        if (tenants.putIfAbsent(tenant, created) == null) {
          restoreState(created);
          created.nextFlush = created.alertmanager.dispatcher().nextFlush();
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
        t.nextFlush = t.alertmanager.dispatcher().nextFlush();
      } finally {
        t.lock.unlock();
      }
      wake();
      return;
    }
  }

  private static boolean removable(Tenant t) {
    return !t.own && t.alertmanager.alerts().list().isEmpty() && t.alertmanager.silences().list().isEmpty();
  }

  /**
   * Reads the tenant's stored silences and notification log into its new Alertmanager (before its first flush can
   * be due, so nothing already sent is sent again), and persists them from now on.
   */
  private void restoreState(Tenant t) {
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

  private void remove(Tenant t) {
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
      Tenant t = tenants.get(tenant);
      if (t == null && replicated != null) {
        // Not led here: a view built from linearizable reads of the group (a change made through it is lost).
        AlertmanagerConfig config = configs.configOf(tenant);
        List<Alert> alerts = replicated.alerts(tenant);
        List<Silence> silences = replicated.silences(tenant);
        Instant now = clock.instant();
        TenantAlertmanager.Settings s = settingsOf.apply(tenant);
        TenantAlertmanager view = new TenantAlertmanager(config, new TenantAlertmanager.Settings(
            AlertStore.Limits.NONE, Silences.Limits.NONE, s.maxAggregationGroups(), s.retention()), n -> false, now);
        view.mirrorState(alerts, silences, List.of(), now);
        return call.apply(view, now);
      }
      if (t == null && !create) {
        AlertmanagerConfig config = configs.configOf(tenant);
        TenantAlertmanager empty = new TenantAlertmanager(config, settingsOf.apply(tenant), n -> false,
            clock.instant());
        return call.apply(empty, clock.instant());
      }
      if (t == null) {
        AlertmanagerConfig config = configs.configOf(tenant);
        Tenant created = new Tenant(tenant, config, sender(tenant, config, configs.templateFilesOf(tenant)),
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
        t.nextFlush = t.alertmanager.dispatcher().nextFlush();
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
    Tenant t = tenants.get(tenant);
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
      ReplicatedAlertmanagerState.PostResult r = replicated.postAlerts(tenant, alerts,
          configs.configOf(tenant).resolveTimeout(), settingsOf.apply(tenant).alertLimits());
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
    try {
      return replicated.setSilence(tenant, silence, settingsOf.apply(tenant).silenceLimits());
    } catch (SilenceRefusedException e) {
      throw new Silences.SilenceException(e.getMessage(), e.reason());
    }
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
    try {
      replicated.expireSilence(tenant, id);
    } catch (SilenceRefusedException e) {
      throw new Silences.SilenceException(e.getMessage(), e.reason());
    }
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
    for (Tenant t : tenants.values()) {
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
          }
          due = t.nextFlush = t.alertmanager.dispatcher().nextFlush();
        } finally {
          t.lock.unlock();
        }
      }
      if (due != null && (earliest == null || due.isBefore(earliest))) {
        earliest = due;
      }
    }
    if (gc && replicated != null) {
      for (int group : leading.keySet()) {
        Thread.ofVirtual().name("alertmanager-collect-" + group).start(() -> {
          try {
            replicated.collect(group);
          } catch (RuntimeException e) {
            log.warn("alertmanager group {} garbage collection not committed: {}", group, e.toString());
          }
        });
      }
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

  private void wake() {
    synchronized (wakeUp) {
      woken = true;
      wakeUp.notifyAll();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    wake();
    if (leadership != null) {
      leadership.shutdownNow();
      try {
        leadership.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
