package io.narthex.ruler.eval;

import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.RuleStore;
import io.narthex.ruler.RulerRing;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every tenant's rule groups, as Prometheus's {@code rules.Manager} under Mimir's ruler: reads them from the
 * {@link RuleStore} every {@code -ruler.poll-interval} and at once after {@link #requestSync()} (a change through
 * the config API on this process); starts a group when it appears, replaces it when it changes (keeping its series'
 * staleness state and its rules' status, as {@code CopyState}) and stops it when it is gone, marking its series stale
 * two intervals later (Prometheus waits that long so that a renamed rule writes its new series first).
 *
 * <p>Each group runs on its own virtual thread at the instants of {@link GroupSchedule}. An evaluation that overruns
 * skips the instants it missed and counts them ({@code cortex_prometheus_rule_group_iterations_missed_total}, and
 * per rule {@code narthex_ruler_rule_evaluations_missed_total}). At most {@code maxConcurrentEvaluations} group
 * evaluations run at once, and at most half of them (rounded up) for one tenant, so that a tenant with slow rules
 * cannot take every slot.
 *
 * <p>With several rulers, this one runs only the groups it owns in the {@link RulerRing}. A group that another ruler
 * now owns is stopped without staleness markers: its series go on from the new owner, and markers written here would
 * cut them (Prometheus writes them only for a group gone from the configuration; on shutdown, as here, it writes
 * none). The new owner restores the group's alerts from {@code ALERTS_FOR_STATE} as after a restart. A tenant left
 * without groups here has its notifier stopped ({@code tenantRemoved}), as Mimir stops a tenant's manager and
 * notifier when it has no rule groups left on the ruler.
 */
public final class RuleManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuleManager.class);

  /**
   * @param evaluationInterval {@code -ruler.evaluation-interval}: a group's interval when it sets none
   * @param pollInterval {@code -ruler.poll-interval}: how often the rule store is read again
   * @param evaluationDelay {@code -ruler.evaluation-delay-duration}: a group's query offset when it sets none
   * @param writeEnabled {@code -ruler.rule-evaluation-write-enabled}: false evaluates without writing the output
   * @param maxConcurrentEvaluations {@code -ruler.max-concurrent-group-evaluations}: group evaluations at once, at
   *     least 1
   * @param tenantFederationEnabled {@code -ruler.tenant-federation.enabled}: whether groups with
   *     {@code source_tenants} are evaluated (see {@link GroupEvaluator.Settings})
   * @param tenantEvaluationDelay per tenant, the query offset of its groups that set none: Mimir's per-tenant
   *     limit {@code ruler_evaluation_delay_duration}, whose default is {@code evaluationDelay}; asked at each
   *     evaluation; never negative
   */
  public record Config(Duration evaluationInterval, Duration pollInterval, Duration evaluationDelay,
      boolean writeEnabled, int maxConcurrentEvaluations, boolean tenantFederationEnabled,
      Function<String, Duration> tenantEvaluationDelay) {
    /** A config whose every tenant has the delay {@code evaluationDelay}. */
    public Config(Duration evaluationInterval, Duration pollInterval, Duration evaluationDelay, boolean writeEnabled,
        int maxConcurrentEvaluations, boolean tenantFederationEnabled) {
      this(evaluationInterval, pollInterval, evaluationDelay, writeEnabled, maxConcurrentEvaluations,
          tenantFederationEnabled, tenant -> evaluationDelay);
    }

    /** A config without tenant federation, Mimir's default. */
    public Config(Duration evaluationInterval, Duration pollInterval, Duration evaluationDelay, boolean writeEnabled,
        int maxConcurrentEvaluations) {
      this(evaluationInterval, pollInterval, evaluationDelay, writeEnabled, maxConcurrentEvaluations, false);
    }

    public Config {
      if (evaluationInterval.toMillis() < 1) {
        throw new IllegalArgumentException("-ruler.evaluation-interval must be at least 1ms, got " + evaluationInterval);
      }
      if (pollInterval.toMillis() < 1) {
        throw new IllegalArgumentException("-ruler.poll-interval must be at least 1ms, got " + pollInterval);
      }
      if (evaluationDelay.isNegative()) {
        throw new IllegalArgumentException("-ruler.evaluation-delay-duration must not be negative, got "
            + evaluationDelay);
      }
      if (maxConcurrentEvaluations < 1) {
        throw new IllegalArgumentException("-ruler.max-concurrent-group-evaluations must be at least 1, got "
            + maxConcurrentEvaluations);
      }
      Objects.requireNonNull(tenantEvaluationDelay, "tenantEvaluationDelay");
    }
  }

  /** A group's identity: a tenant's namespace and group name. */
  record GroupKey(String tenant, String namespace, String group) {}

  private final RuleStore store;
  private final Config config;
  private final RuleEvaluators evaluators;
  private final RuleQuerier querier;
  private final RulePusher pusher;
  private final RulerClock clock;
  private final RulerMetrics metrics;
  private final EvaluationSlots slots;
  /** Null: this ruler owns every group. */
  private final RulerRing ring;
  private final Consumer<String> tenantRemoved;
  private final Map<GroupKey, GroupRunner> running = new ConcurrentHashMap<>();
  private final Object syncSignal = new Object();
  /** Serializes syncs, so that a slower one does not apply what it read after a later one; not held by apply. */
  private final Object syncOrder = new Object();
  private boolean syncRequested;
  private volatile boolean closed;
  private Thread poller;

  /** A manager that runs every group of the store (a single ruler). */
  public RuleManager(RuleStore store, Config config, RuleEvaluators evaluators, RuleQuerier querier,
      RulePusher pusher, RulerClock clock, RulerMetrics metrics) {
    this(store, config, evaluators, querier, pusher, clock, metrics, null, tenant -> {});
  }

  /**
   * @param ring which groups this ruler runs; null for all of them
   * @param tenantRemoved called with a tenant that has no group left here, once its stopped groups have finished
   *     (the tenant's notifier is stopped then)
   */
  public RuleManager(RuleStore store, Config config, RuleEvaluators evaluators, RuleQuerier querier,
      RulePusher pusher, RulerClock clock, RulerMetrics metrics, RulerRing ring, Consumer<String> tenantRemoved) {
    this.ring = ring;
    this.tenantRemoved = tenantRemoved;
    this.store = store;
    this.config = config;
    this.evaluators = evaluators;
    this.querier = querier;
    this.pusher = pusher;
    this.clock = clock;
    this.metrics = metrics;
    this.slots = new EvaluationSlots(config.maxConcurrentEvaluations());
  }

  /** Loads the groups now and from then on every poll interval or when asked, on a virtual thread. */
  public void start() {
    poller = Thread.ofVirtual().name("ruler-poller").start(() -> {
      while (!closed) {
        try {
          sync();
        } catch (IOException | RuntimeException e) {
          log.warn("loading the rule groups failed err=\"{}\"", e.toString());
        }
        synchronized (syncSignal) {
          try {
            if (!syncRequested && !closed) {
              syncSignal.wait(config.pollInterval().toMillis());
            }
          } catch (InterruptedException e) {
            return;
          }
          syncRequested = false;
        }
      }
    });
  }

  /** Reads the rule store again soon, without waiting for the poll interval (a change through the API). */
  public void requestSync() {
    synchronized (syncSignal) {
      syncRequested = true;
      syncSignal.notifyAll();
    }
  }

  /**
   * Reads every tenant's groups from the store and applies them. A tenant whose groups cannot be read keeps the
   * groups it runs.
   *
   * @throws IOException when the tenants cannot be listed; nothing changes then
   */
  public void sync() throws IOException {
    // The store is read without the manager's lock: close() and the tenant-removal path do not wait on the bucket.
    synchronized (syncOrder) {
      syncHoldingOrder();
    }
  }

  private void syncHoldingOrder() throws IOException {
    Map<GroupKey, RuleGroup> desired = new HashMap<>();
    Set<GroupKey> elsewhere = new HashSet<>();
    for (String tenant : store.tenants()) {
      try {
        store.groups(tenant, null).forEach((namespace, groups) -> {
          for (RuleGroup group : groups) {
            GroupKey key = new GroupKey(tenant, namespace, group.name());
            if (ring == null || ring.owns(tenant, namespace, group.name())) {
              desired.put(key, group);
            } else {
              elsewhere.add(key);
            }
          }
        });
      } catch (IOException e) {
        log.warn("loading the rule groups of a tenant failed, keeping those it runs user={} err=\"{}\"", tenant,
            e.toString());
        running.forEach((key, runner) -> {
          if (key.tenant().equals(tenant)) {
            desired.put(key, runner.group.group());
          }
        });
      }
    }
    apply(desired, elsewhere);
  }

  /** Starts, replaces and stops groups so that exactly {@code desired} run; a removed group is marked stale. */
  synchronized void apply(Map<GroupKey, RuleGroup> desired) {
    apply(desired, Set.of());
  }

  /**
   * Starts, replaces and stops groups so that exactly {@code desired} run. A stopped group in {@code elsewhere} (run
   * by another ruler) is stopped without staleness markers; any other stopped group is marked stale.
   */
  synchronized void apply(Map<GroupKey, RuleGroup> desired, Set<GroupKey> elsewhere) {
    if (closed) {
      return;
    }
    Map<String, List<GroupRunner>> stoppedByTenant = new HashMap<>();
    for (GroupKey key : List.copyOf(running.keySet())) {
      if (!desired.containsKey(key)) {
        GroupRunner runner = elsewhere.contains(key) ? moveAway(key) : remove(key);
        stoppedByTenant.computeIfAbsent(key.tenant(), t -> new ArrayList<>()).add(runner);
      }
    }
    desired.forEach((key, group) -> {
      GroupRunner previous = running.get(key);
      if (previous != null && previous.group.group().equals(group)) {
        return;
      }
      GroupEvaluator evaluator = new GroupEvaluator(key.tenant(), key.namespace(), group,
          new GroupEvaluator.Settings(config.evaluationInterval(), config.tenantEvaluationDelay(),
              config.writeEnabled(), config.tenantFederationEnabled()),
          evaluators, querier, pusher, clock, metrics);
      if (previous != null) {
        // Not waiting here for an evaluation under way: the new version waits for it on its own thread.
        previous.requestStop();
      }
      GroupRunner runner = new GroupRunner(evaluator, previous, clock, metrics, this::evaluateInSlot);
      running.put(key, runner);
      runner.start();
    });
    stoppedByTenant.forEach((tenant, stopped) -> {
      if (!runsTenant(tenant)) {
        Thread.ofVirtual().name("ruler-tenant-removed").start(() -> {
          stopped.forEach(GroupRunner::stopAndWait);
          synchronized (this) {
            // A group of the tenant may have come back meanwhile; then its notifier stays.
            if (!closed && !runsTenant(tenant)) {
              tenantRemoved.accept(tenant);
            }
          }
        });
      }
    });
  }

  private boolean runsTenant(String tenant) {
    for (GroupKey key : running.keySet()) {
      if (key.tenant().equals(tenant)) {
        return true;
      }
    }
    return false;
  }

  /** Stops a group that another ruler now runs, without staleness markers: the new owner continues its series. */
  private GroupRunner moveAway(GroupKey key) {
    GroupRunner runner = running.remove(key);
    runner.requestStop();
    Thread.ofVirtual().name("ruler-moved-" + key.group()).start(() -> {
      runner.stopAndWait();
      if (!running.containsKey(key)) {
        runner.group.forgetMetrics();
      }
    });
    return runner;
  }

  private GroupRunner remove(GroupKey key) {
    GroupRunner runner = running.remove(key);
    runner.requestStop();
    long removedAtNanos = clock.epochNanos();
    Thread.ofVirtual().name("ruler-stale-" + key.group()).start(() -> {
      runner.stopAndWait();
      try {
        clock.sleepUntil(removedAtNanos + 2 * runner.group.intervalNanos());
      } catch (InterruptedException e) {
        return;
      }
      // A group of the same name added back meanwhile writes the same series (and has the same metric series):
      // markers stamped back at the removal would punch a gap into them, so the series the old version alone wrote
      // end at the lookback delta instead.
      if (!closed && !running.containsKey(key)) {
        runner.group.markAllStale(Math.floorDiv(removedAtNanos, 1_000_000L));
        runner.group.forgetMetrics();
      }
    });
    return runner;
  }

  /** Evaluates in one of the tenant's slots and one of the process's, waiting for both. */
  private void evaluateInSlot(GroupEvaluator group, long instantNanos) throws InterruptedException {
    slots.acquire(group.tenant());
    try {
      group.evaluate(Math.floorDiv(instantNanos, 1_000_000L));
    } finally {
      slots.release(group.tenant());
    }
  }

  /** Waits until every group runs with the state of its previous version (for tests). */
  void awaitReady() throws InterruptedException {
    for (GroupRunner runner : running.values()) {
      runner.awaitReady();
    }
  }

  /** The tenant's running groups, by namespace and then name. */
  public List<GroupEvaluator> groups(String tenant) {
    List<GroupEvaluator> groups = new ArrayList<>();
    running.forEach((key, runner) -> {
      if (key.tenant().equals(tenant)) {
        groups.add(runner.group);
      }
    });
    groups.sort(Comparator.comparing(GroupEvaluator::namespace).thenComparing(g -> g.group().name()));
    return groups;
  }

  /** Stops every group (without staleness markers, as Prometheus on shutdown) and the poller. */
  @Override
  public void close() {
    closed = true;
    synchronized (syncSignal) {
      syncSignal.notifyAll();
    }
    if (poller != null) {
      poller.interrupt();
    }
    synchronized (this) {
      running.values().forEach(GroupRunner::stopAndWait);
      running.clear();
    }
  }

  /** Evaluates a group at an instant, nanoseconds since the epoch. */
  @FunctionalInterface
  interface Evaluation {
    void evaluate(GroupEvaluator group, long instantNanos) throws InterruptedException;
  }

  /**
   * One group's loop: Prometheus's {@code Group.run}. A replaced group's new version first waits on its own thread
   * for the previous version to finish the evaluation under way, then takes over its state ({@code CopyState}), so a
   * reload never waits on a slow evaluation (mimir#15290).
   */
  static final class GroupRunner implements Runnable {
    final GroupEvaluator group;
    /** The version this one replaces, until its state is taken over; null for a new group. */
    private GroupRunner previous;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final RulerClock clock;
    private final RulerMetrics metrics;
    private final Evaluation evaluation;
    private final long offsetNanos;
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private volatile boolean stopped;
    private Thread thread;

    GroupRunner(GroupEvaluator group, RulerClock clock, RulerMetrics metrics, Evaluation evaluation) {
      this(group, null, clock, metrics, evaluation);
    }

    GroupRunner(GroupEvaluator group, GroupRunner previous, RulerClock clock, RulerMetrics metrics,
        Evaluation evaluation) {
      this.group = group;
      this.previous = previous;
      this.clock = clock;
      this.metrics = metrics;
      this.evaluation = evaluation;
      this.offsetNanos = GroupSchedule.offsetNanos(group);
    }

    void start() {
      thread = Thread.ofVirtual().name("ruler-group-" + group.group().name()).start(this);
    }

    @Override
    public void run() {
      if (previous != null) {
        previous.stopAndWait();
        group.copyStateFrom(previous.group);
        previous = null;
      }
      ready.countDown();
      long interval = group.intervalNanos();
      // The first instant after now, as Prometheus waits for EvalTimestamp(now) + interval.
      long instant = GroupSchedule.previousInstantNanos(clock.epochNanos(), interval, offsetNanos) + interval;
      try {
        if (!sleepUntil(instant)) {
          return;
        }
        while (true) {
          evaluation.evaluate(group, instant);
          metrics.iterations.labelValues(group.tenant(), group.metricsGroup()).inc();
          if (!sleepUntil(instant + interval)) {
            return;
          }
          long missed = GroupSchedule.missed(instant, clock.epochNanos(), interval);
          if (missed > 0) {
            metrics.iterationsMissed.labelValues(group.tenant(), group.metricsGroup()).inc(missed);
            metrics.iterations.labelValues(group.tenant(), group.metricsGroup()).inc(missed);
            long evaluatedRules = group.rules().stream().filter(RuleEvaluator::evaluates).count();
            metrics.ruleEvaluationsMissed.labelValues(group.tenant(), group.metricsGroup())
                .inc(missed * evaluatedRules);
            log.warn("rule group evaluation overran its interval, skipping missed iterations user={} group={}"
                + " missed={}", group.tenant(), group.metricsGroup(), missed);
          }
          instant += (missed + 1) * interval;
        }
      } catch (InterruptedException e) {
        // Stopped while waiting.
      }
    }

    /** Sleeps until the instant; false when stopped. */
    private boolean sleepUntil(long epochNanos) throws InterruptedException {
      if (stopped) {
        return false;
      }
      sleeping.set(true);
      try {
        if (stopped) {
          return false;
        }
        clock.sleepUntil(epochNanos);
      } finally {
        sleeping.set(false);
      }
      return !stopped;
    }

    /** Asks the loop to end: at once when it waits, else after the evaluation under way. */
    void requestStop() {
      stopped = true;
      if (sleeping.get() && thread != null) {
        thread.interrupt();
      }
    }

    /** Waits until the group took over its previous version's state and its loop began. */
    void awaitReady() throws InterruptedException {
      ready.await();
    }

    void stopAndWait() {
      requestStop();
      if (thread != null && thread != Thread.currentThread()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
