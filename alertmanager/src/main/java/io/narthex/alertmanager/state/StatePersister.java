package io.narthex.alertmanager.state;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each running tenant's silences and notification log in the bucket, as Mimir's {@code statePersister}
 * ({@code pkg/alertmanager/state_persister.go}) with the load of {@code state_replication.go}'s {@code starting}:
 *
 * <ul>
 *   <li>{@link #register}: at a tenant's start, its stored state is read and handed to its {@link Source} to merge.
 *       None stored: the tenant starts empty. A corrupt or too large object is logged and counted; the tenant starts
 *       empty and the object is not overwritten until the tenant has state of its own. A bucket failure is logged;
 *       the read is tried again before each write, so a transient outage cannot replace the stored state with a
 *       smaller one.
 *   <li>Every {@code -alertmanager.persist-interval} ({@link #start}), at {@link #deregister} and at {@link #close}:
 *       each tenant's state is written when it differs from what was last read or written (compared by digest of the
 *       deterministic encoding). Mimir writes every interval, changed or not.
 * </ul>
 *
 * <p>Metrics, Mimir's names: {@code cortex_alertmanager_state_persist_total} and {@code ..._failed_total} (writes
 * tried and failed; unchanged states are not written and not counted), {@code ..._state_initial_sync_total} and
 * {@code ..._initial_sync_completed_total{outcome}} ({@code from-storage}, {@code user-not-found}, {@code failed};
 * {@code from-replica} stays 0 until replication); and {@code narthex_alertmanager_state_load_failures_total{reason}}
 * ({@code corrupt}, {@code too_large}, {@code bucket}). Thread-safe.
 */
public final class StatePersister implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatePersister.class);

  /** A tenant's live state, given by the runtime; both calls come from the persister's threads. */
  public interface Source {
    /**
     * A consistent copy of the tenant's state (take the tenant's lock; see {@link TenantState#of}); null when this
     * process is not the one to write it now (a replicated tenant led elsewhere): nothing is written.
     */
    TenantState snapshot();

    /** Merges state read from the bucket (take the tenant's lock; see {@link TenantState#mergeInto}). */
    void merge(TenantState stored);

    /**
     * Whether this process may still write the tenant's state, asked right before each bucket write: false once a
     * replicated tenant's leadership moved after {@link #snapshot} was taken, so a persist that began before a
     * step-down cannot land after the new leader's. Local tenants always may.
     */
    default boolean mayWrite() {
      return true;
    }
  }

  /** How a tenant's start found its state: Mimir's {@code outcome} label values. */
  public enum Outcome {
    FROM_STORAGE("from-storage"), USER_NOT_FOUND("user-not-found"), FAILED("failed");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private static final class Tenant {
    final String id;
    final Source source;
    byte[] lastDigest;
    // The start could not read the bucket: read again before writing, so as not to replace what is there.
    boolean loadPending;

    Tenant(String id, Source source) {
      this.id = id;
      this.source = source;
    }
  }

  private final StateStore store;
  private final InstantSource clock;
  private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();
  private final Counter persistTotal;
  private final Counter persistFailed;
  private final Counter initialSyncTotal;
  private final Counter initialSyncCompleted;
  private final Counter loadFailures;
  private ScheduledExecutorService timer;

  public StatePersister(StateStore store, InstantSource clock, PrometheusRegistry registry) {
    this.store = store;
    this.clock = clock;
    persistTotal = Counter.builder().name("cortex_alertmanager_state_persist_total")
        .help("Number of times we have tried to persist the running state to storage.").register(registry);
    persistFailed = Counter.builder().name("cortex_alertmanager_state_persist_failed_total")
        .help("Number of times we have failed to persist the running state to storage.").register(registry);
    initialSyncTotal = Counter.builder().name("cortex_alertmanager_state_initial_sync_total")
        .help("Number of times we have tried to sync initial state from peers or storage.").register(registry);
    initialSyncCompleted = Counter.builder().name("cortex_alertmanager_state_initial_sync_completed_total")
        .help("Number of times we have completed syncing initial state for each possible outcome.")
        .labelNames("outcome").register(registry);
    initialSyncCompleted.initLabelValues("from-replica");
    for (Outcome o : Outcome.values()) {
      initialSyncCompleted.initLabelValues(o.label());
    }
    loadFailures = Counter.builder().name("narthex_alertmanager_state_load_failures_total")
        .help("Tenant states in the bucket that could not be loaded at a tenant's start, by reason (corrupt, "
            + "too_large, bucket).")
        .labelNames("reason").register(registry);
    for (InvalidStateException.Reason r : InvalidStateException.Reason.values()) {
      loadFailures.initLabelValues(r.label());
    }
    loadFailures.initLabelValues("bucket");
  }

  /**
   * Starts persisting a tenant: reads its stored state and merges it through {@code source} before returning.
   * Registering a tenant again replaces its source and reads again.
   */
  public Outcome register(String tenant, Source source) {
    Tenant t = new Tenant(tenant, source);
    initialSyncTotal.inc();
    Outcome outcome = load(t);
    initialSyncCompleted.labelValues(outcome.label()).inc();
    // What is in memory now matches the bucket, or the bucket is not to be overwritten with it. Nothing stored
    // matches an empty state: a tenant registered once it has state (a replicated one) is written next round.
    TenantState now = source.snapshot();
    t.lastDigest = now == null ? null
        : digest(store.encode(tenant, outcome == Outcome.USER_NOT_FOUND ? TenantState.EMPTY : now));
    // The map publishes the fields to the timer's thread.
    tenants.put(tenant, t);
    return outcome;
  }

  private Outcome load(Tenant t) {
    try {
      FullStateCodec.Decoded read = store.read(t.id, clock.instant());
      t.loadPending = false;
      if (read == null) {
        LOG.info("no Alertmanager state for tenant {} in storage; starting empty", t.id);
        return Outcome.USER_NOT_FOUND;
      }
      t.source.merge(read.state());
      LOG.info("Alertmanager state of tenant {} read from storage: {} silences, {} notification log entries "
          + "({} expired and {} unusable dropped)", t.id, read.state().silences().size(),
          read.state().notificationLog().size(), read.expired(), read.invalid());
      return Outcome.FROM_STORAGE;
    } catch (InvalidStateException e) {
      t.loadPending = false;
      loadFailures.labelValues(e.reason().label()).inc();
      LOG.error("Alertmanager state of tenant {} cannot be loaded, starting empty; the object is kept until the "
          + "tenant has new state: {}", t.id, e.getMessage());
      return Outcome.FAILED;
    } catch (IOException e) {
      t.loadPending = true;
      loadFailures.labelValues("bucket").inc();
      LOG.warn("failed to read Alertmanager state of tenant {} from storage; starting empty, will read again "
          + "before writing: {}", t.id, e.toString());
      return Outcome.FAILED;
    }
  }

  /** Writes the tenant's state if it changed, then stops persisting it (the tenant stops or moves away). */
  public void deregister(String tenant) {
    Tenant t = tenants.remove(tenant);
    if (t != null) {
      persist(t);
    }
  }

  /**
   * Stops persisting a tenant without writing: its state is now another process's to write (a leadership that
   * moved away), and this copy may be behind.
   */
  public void forget(String tenant) {
    tenants.remove(tenant);
  }

  /** Whether the tenant is registered (its state is persisted). */
  public boolean registered(String tenant) {
    return tenants.containsKey(tenant);
  }

  /** Writes the tenant's state if it changed since it was last read or written; returns whether it wrote. */
  public boolean persist(String tenant) {
    Tenant t = tenants.get(tenant);
    return t != null && persist(t);
  }

  /** One iteration of the timer: {@link #persist} of every tenant. */
  public void persistAll() {
    for (Tenant t : tenants.values()) {
      persist(t);
    }
  }

  private boolean persist(Tenant t) {
    synchronized (t) {
      try {
        if (t.loadPending) {
          load(t);
          if (t.loadPending) {
            return false;
          }
        }
        TenantState snapshot = t.source.snapshot();
        if (snapshot == null) {
          return false;
        }
        byte[] encoded = store.encode(t.id, snapshot);
        byte[] digest = digest(encoded);
        if (Arrays.equals(digest, t.lastDigest)) {
          return false;
        }
        if (!t.source.mayWrite()) {
          return false;
        }
        persistTotal.inc();
        try {
          store.set(t.id, encoded);
        } catch (IOException e) {
          persistFailed.inc();
          LOG.error("failed to persist Alertmanager state of tenant {}: {}", t.id, e.toString());
          return false;
        }
        t.lastDigest = digest;
        return true;
      } catch (RuntimeException e) {
        LOG.error("failed to persist Alertmanager state of tenant {}", t.id, e);
        return false;
      }
    }
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Persists every {@code interval} (Mimir's {@code -alertmanager.persist-interval}) on a daemon thread.
   *
   * @throws IllegalArgumentException with Mimir's message when the interval is not positive
   */
  public synchronized void start(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("invalid alertmanager persist interval, must be greater than zero");
    }
    if (timer != null) {
      throw new IllegalStateException("already started");
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "alertmanager-state-persister");
      thread.setDaemon(true);
      return thread;
    });
    long ms = interval.toMillis();
    timer.scheduleWithFixedDelay(this::persistAll, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Stops the timer, then writes every tenant's state that changed (the shutdown persist). */
  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      timer = null;
    }
    persistAll();
  }
}
