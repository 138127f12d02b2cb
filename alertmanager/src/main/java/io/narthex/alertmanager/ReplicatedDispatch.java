package io.narthex.alertmanager;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated mode of {@link MultitenantAlertmanager} (design in docs/alertmanager.md "Replication over Raft"):
 * alerts and silences are written as entries of the tenant's Raft group, from any process, and answered once a
 * quorum holds them. Only the ready leader of a group dispatches its tenants: it copies the group's state when it
 * becomes leader ({@link #takeOver}) and then mirrors each applied change ({@link StateListener}), so its
 * aggregation groups, silences and log follow the replicated state. Each send is fenced ({@link #fenced}): a
 * {@code NotifyIntent} entry is committed before it, a {@code NotifyDone} (logged) or {@code NotifyAbandoned} after
 * it. A new leader abandons the intents it finds open, so their groups are sent again (at least once), and holds
 * each rebuilt group's first flush until {@code group_interval} after its last logged notification. Reads are
 * answered from the mirror on the leader, and elsewhere from linearizable reads of the group ({@link #view}). Only
 * the leader persists a tenant's state to the bucket; a tenant the group does not know yet is seeded from the bucket
 * through a {@code LoadState} entry.
 *
 * <p>Mirrors live in the facade's tenant map, with their group and term; the facade's scheduler fires their flushes.
 */
final class ReplicatedDispatch implements StateListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedDispatch.class);

  private final MultitenantAlertmanager host;
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
  private volatile boolean closed;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  ReplicatedDispatch(MultitenantAlertmanager host, ReplicatedAlertmanagerState replicated,
      PrometheusRegistry registry) {
    this.host = host;
    this.replicated = replicated;
    intentFailures = Counter.builder().name("narthex_alertmanager_notify_intent_failures_total")
        .help("Notifications not sent because their intent could not be committed to the tenant's Raft group "
            + "(no quorum, or no longer its leader).").labelNames("user").register(registry);
    inDoubt = Counter.builder().name("narthex_alertmanager_notify_in_doubt_total")
        .help("Sends a new leader found open (started, outcome unknown) and let dispatch send again.")
        .labelNames("user").register(registry);
    leadership = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("alertmanager-leadership")
        .daemon().factory());
    if (replicated.local() != null) {
      replicated.local().addStateListener(this);
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

  /**
   * The tenant's fenced sender, whose integrations (templates parsed) are built at its first send, on the flush's
   * thread: a mirror is created under the group's state lock, which building would hold for every tenant of a
   * take-over and stall the group's writes.
   */
  private NotificationPipeline.Sender mirrorSender(String tenant, long term, AlertmanagerConfig config,
      Map<String, String> templateFiles) {
    NotificationPipeline.Sender[] built = new NotificationPipeline.Sender[1];
    NotificationPipeline.Sender onFirstSend = n -> {
      NotificationPipeline.Sender sender;
      synchronized (built) {
        if (built[0] == null) {
          built[0] = host.sender(tenant, config, templateFiles);
        }
        sender = built[0];
      }
      return sender.send(n);
    };
    return fenced(tenant, term, onFirstSend);
  }

  /** A leader's mirror of the tenant's replicated state: the group's entries enforced the limits already. */
  private RunningTenant newMirror(String tenant, int group, long term, AlertmanagerConfig config) {
    TenantAlertmanager.Settings s = host.settingsOf(tenant);
    NotificationPipeline.Sender sender = mirrorSender(tenant, term, config, host.configs().templateFilesOf(tenant));
    return new RunningTenant(tenant, group, term, true, host.clock(), host::wake,
        runner -> new TenantAlertmanager(config, new TenantAlertmanager.Settings(AlertStore.Limits.NONE,
            Silences.Limits.NONE, s.maxAggregationGroups(), s.retention()), sender, runner, true,
            host.clock().instant()));
  }

  /** A leader's mirror of a tenant, created on first need; call under the group's state lock. */
  private RunningTenant mirrorOf(int group, String tenant) {
    Map<String, RunningTenant> tenants = host.tenantMap();
    RunningTenant t = tenants.get(tenant);
    if (t == null) {
      AlertmanagerConfig config = host.configs().configOf(tenant);
      t = newMirror(tenant, group, leading.get(group), config);
      tenants.put(tenant, t);
      // A configuration loaded since it was read above found no mirror to reload.
      AlertmanagerConfig current = host.configs().configOf(tenant);
      if (current != config) {
        t.lock.lock();
        try {
          t.alertmanager.reload(current, mirrorSender(tenant, t.term, current,
              host.configs().templateFilesOf(tenant)), host.clock().instant());
        } finally {
          t.lock.unlock();
        }
      }
    }
    return t;
  }

  private void mirrorUpdate(int group, String tenant, BiConsumer<TenantAlertmanager, Instant> call) {
    if (!leading.containsKey(group)) {
      return;
    }
    RunningTenant t = host.tenantMap().get(tenant);
    if (t == null) {
      t = mirrorOf(group, tenant);
      StatePersister persister = host.persister();
      if (persister != null) {
        // A tenant new to the group since the take-over: persisted from now on, registered off the state's lock
        // (registering reads the bucket, and may seed the group through Raft).
        long term = t.term;
        try {
          leadership.execute(() -> {
            Long leads = leading.get(group);
            if (leads != null && leads == term && !persister.registered(tenant)) {
              persist(group, tenant, false);
            }
          });
        } catch (RejectedExecutionException e) {
          // Closed: nothing is persisted any more.
        }
      }
    }
    t.lock.lock();
    try {
      t.orphan = false;
      call.accept(t.alertmanager, host.clock().instant());
      t.rescheduled();
    } finally {
      t.lock.unlock();
    }
    host.wake();
  }

  // --- StateListener: follows the applied changes of the groups this process leads into their tenants' mirrors.

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
  public void stateLoaded(int group, String tenant, List<Silence> silences, List<NotificationLog.Entry> entries,
      Instant at) {
    mirrorUpdate(group, tenant, (am, now) -> {
      silences.forEach(silence -> am.silences().merge(silence, now));
      entries.forEach(entry -> am.notificationLog().merge(entry, now));
    });
  }

  /**
   * Replaces the mirror by one without the alerts the group dropped (a mirror's store has no removal), which shares
   * the old one's sends in flight.
   */
  @Override
  public void alertsDropped(int group, String tenant, List<Alert> dropped, Instant at) {
    RunningTenant t = host.tenantMap().get(tenant);
    if (!leading.containsKey(group) || t == null) {
      return;
    }
    Set<Long> gone = new HashSet<>();
    for (Alert a : dropped) {
      gone.add(a.fingerprint());
    }
    t.lock.lock();
    try {
      if (t.removed) {
        return;
      }
      List<Alert> kept = new ArrayList<>();
      for (Alert a : t.alertmanager.alerts().list()) {
        if (!gone.contains(a.fingerprint())) {
          kept.add(a);
        }
      }
      RunningTenant fresh = newMirror(tenant, group, t.term, t.alertmanager.config());
      // The old mirror's sends still in flight complete there: the new one must not start them again meanwhile.
      fresh.alertmanager.adoptSendsInFlight(t.alertmanager);
      fresh.alertmanager.mirrorState(kept, t.alertmanager.silences().list(),
          List.copyOf(t.alertmanager.notificationLog().snapshot().values()), host.clock().instant());
      fresh.rescheduled();
      t.removed = true;
      host.tenantMap().put(tenant, fresh);
    } finally {
      t.lock.unlock();
    }
    host.wake();
  }

  /** The group dropped the tenant: so does its mirror once idle, else the next garbage collection that finds it so. */
  @Override
  public void tenantDropped(int group, String tenant, Instant at) {
    RunningTenant t = host.tenantMap().get(tenant);
    if (leading.containsKey(group) && t != null && t.group == group) {
      t.orphan = true;
      dropIfIdleLocked(t);
    }
  }

  /**
   * Drops the mirror of a tenant its group no longer holds once it has no alerts, no silences, no aggregation group
   * and no configuration of its own, as Mimir drops a tenant without configuration and state; takes the group's
   * state lock (call without the tenant's).
   */
  void dropIfIdle(RunningTenant t) {
    if (leading.containsKey(t.group)) {
      replicated.local().withStateLock(t.group, () -> dropIfIdleLocked(t));
    }
  }

  private void dropIfIdleLocked(RunningTenant t) {
    t.lock.lock();
    try {
      TenantAlertmanager am = t.alertmanager;
      // What the group's Collect just dropped (resolved alerts, silences and log entries past retention).
      am.collectGarbage(host.clock().instant());
      if (t.removed || !t.orphan || !am.alerts().list().isEmpty() || !am.silences().list().isEmpty()
          || holdsGroupedAlerts(am) || host.configs().tenants().contains(t.id)) {
        return;
      }
      t.removed = true;
      host.tenantMap().remove(t.id, t);
    } finally {
      t.lock.unlock();
    }
    StatePersister persister = host.persister();
    if (persister != null) {
      try {
        // Off the state's lock: deregistering writes the tenant's last (empty) state to the bucket.
        leadership.execute(() -> persister.deregister(t.id));
      } catch (RejectedExecutionException e) {
        // Closed: nothing is persisted any more.
      }
    }
    log.info("dropped the Alertmanager mirror of a tenant without configuration or state tenant={}", t.id);
  }

  /** Whether an aggregation group still holds alerts (an empty one goes at the dispatcher's next maintenance). */
  private static boolean holdsGroupedAlerts(TenantAlertmanager am) {
    for (var g : am.dispatcher().groups()) {
      if (!g.alerts().isEmpty()) {
        return true;
      }
    }
    return false;
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
    List<TenantCopy> copied = new ArrayList<>();
    replicated.local().attach(group, copies -> {
      long term = replicated.local().leaderTerm(group);
      if (term < 0) {
        return;
      }
      leading.put(group, term);
      copied.addAll(copies);
      for (TenantCopy c : copies) {
        RunningTenant t = mirrorOf(group, c.tenant());
        t.lock.lock();
        try {
          t.alertmanager.mirrorState(c.alerts(), c.silences(), c.log(), host.clock().instant());
          t.rescheduled();
        } finally {
          t.lock.unlock();
        }
      }
    });
    if (!leading.containsKey(group)) {
      return;
    }
    host.wake();
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
    if (host.persister() != null) {
      Set<String> all = new LinkedHashSet<>(known);
      for (String tenant : host.configs().tenants()) {
        if (replicated.groupOf(tenant) == group) {
          all.add(tenant);
        }
      }
      for (String tenant : all) {
        if (leading.containsKey(group)) {
          persist(group, tenant, known.contains(tenant));
        }
      }
    }
  }

  /** Registers the tenant with the persister: written while this process leads the group, seeded if unknown. */
  private void persist(int group, String tenant, boolean known) {
    Long registeredTerm = leading.get(group);
    if (registeredTerm == null) {
      return;
    }
    long term = registeredTerm;
    host.persister().register(tenant, new StatePersister.Source() {
      @Override
      public TenantState snapshot() {
        if (!leading.containsKey(group)) {
          // Led elsewhere now: this process's copy is not the one to write (null skips the write).
          return null;
        }
        RunningTenant t = host.tenantMap().get(tenant);
        return t == null ? TenantState.EMPTY : MultitenantAlertmanager.stateOf(t);
      }

      @Override
      public boolean mayWrite() {
        // The fence of a write whose snapshot was taken before a step-down: Raft's own view, which changes before
        // the step-down reaches this process's leadership thread.
        Long leads = leading.get(group);
        return leads != null && leads == term && replicated.local().leaderTerm(group) == term;
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
    List<String> dropped = new ArrayList<>();
    Map<String, RunningTenant> tenants = host.tenantMap();
    replicated.local().withStateLock(group, () -> {
      leading.remove(group);
      for (RunningTenant t : tenants.values()) {
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
    if (host.persister() != null) {
      dropped.forEach(host.persister()::forget);
    }
    log.info("alertmanager group {} is no longer led here: {} tenants stop dispatching", group, dropped.size());
  }

  /** A configuration change: reloads the tenant's mirror if this process leads its group. */
  void configChanged(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles) {
    // Only a leader's mirror dispatches; it is created by the tenant's state, not by its configuration.
    RunningTenant t = host.tenantMap().get(tenant);
    if (t == null) {
      return;
    }
    NotificationPipeline.Sender sender = mirrorSender(tenant, t.term, config, templateFiles);
    t.lock.lock();
    try {
      if (!t.removed) {
        t.alertmanager.reload(config, sender, host.clock().instant());
        t.rescheduled();
      }
    } finally {
      t.lock.unlock();
    }
    host.wake();
  }

  /**
   * A tenant not led here: a view built from linearizable reads of the group (a change made through it is lost).
   */
  <T> T view(String tenant, MultitenantAlertmanager.TenantCall<T> call) {
    AlertmanagerConfig config = host.configs().configOf(tenant);
    List<Alert> alerts = replicated.alerts(tenant);
    List<Silence> silences = replicated.silences(tenant);
    Instant now = host.clock().instant();
    TenantAlertmanager.Settings s = host.settingsOf(tenant);
    TenantAlertmanager view = new TenantAlertmanager(config, new TenantAlertmanager.Settings(
        AlertStore.Limits.NONE, Silences.Limits.NONE, s.maxAggregationGroups(), s.retention()), n -> false, now);
    view.mirrorState(alerts, silences, List.of(), now);
    return call.apply(view, now);
  }

  /** Writes the alerts through the tenant's group, under the tenant's limits and {@code resolve_timeout}. */
  ReplicatedAlertmanagerState.PostResult post(String tenant, List<AlertStore.PostableAlert> alerts) {
    return replicated.postAlerts(tenant, alerts, host.configs().configOf(tenant).resolveTimeout(),
        host.settingsOf(tenant).alertLimits());
  }

  /** Sets a silence through the tenant's group; see {@link MultitenantAlertmanager#setSilence}. */
  String setSilence(String tenant, Silence silence) {
    try {
      return replicated.setSilence(tenant, silence, host.settingsOf(tenant).silenceLimits());
    } catch (SilenceRefusedException e) {
      throw new Silences.SilenceException(e.getMessage(), e.reason());
    }
  }

  /** Expires a silence through the tenant's group; see {@link MultitenantAlertmanager#expireSilence}. */
  void expireSilence(String tenant, String id) {
    try {
      replicated.expireSilence(tenant, id);
    } catch (SilenceRefusedException e) {
      throw new Silences.SilenceException(e.getMessage(), e.reason());
    }
  }

  /** Commits a {@code Collect} to each group led here, each on its own virtual thread (a commit may wait). */
  void collectGarbage() {
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

  @Override
  public void close() {
    closed = true;
    leadership.shutdownNow();
    try {
      leadership.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
