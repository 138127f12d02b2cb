package io.narthex.querier;

import io.narthex.promql.PromQLException;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StorageException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Several tenants' storage read as one, as Mimir's tenant federation
 * ({@code pkg/querier/tenantfederation/merge_queryable.go}): every series gets {@code __tenant_id__="<tenant>"},
 * and a series that already had {@code __tenant_id__} keeps that value as {@code original___tenant_id__} (not
 * recursively). Matchers on {@code __tenant_id__} pick the tenants read and are not passed on; a matcher on
 * {@code original___tenant_id__} is passed on as one on {@code __tenant_id__}. Each tenant is read through its own
 * Queryable, so under its own limits, at most {@code maxConcurrent} tenants at a time; one tenant failing fails the
 * whole call, naming the tenant ({@code error querying tenant_id <tenant>: ...}), never a partial answer.
 *
 * <p>Serves one request, as the per-tenant Queryables do (their fetch limits count over all its selects).
 */
final class FederatedQueryable implements Queryable {
  static final String TENANT_LABEL = "__tenant_id__";
  static final String ORIGINAL_TENANT_LABEL = "original_" + TENANT_LABEL;
  /** Sub-queries mostly wait on ingesters and store-gateways: virtual threads, bounded per call by maxConcurrent. */
  private static final ExecutorService SUB_QUERIES =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tenant-federation-", 0).factory());

  private final List<String> tenants;
  private final BiFunction<String, List<String>, Queryable> storageOf;
  private final List<String> warnings;
  /** Each tenant's storage, made when the tenant is first read: a tenant left out by a matcher is never opened. */
  private final Map<String, Queryable> storage = new ConcurrentHashMap<>();
  private final int maxConcurrent;

  /**
   * @param tenants sorted, distinct, valid tenant ids, at least one (a request naming one is not federated; a ruler's
   *     federated rule group may name one)
   * @param storageOf one tenant's storage, given where its warnings go (they are prefixed with the tenant)
   * @param warnings the request's warnings; written under its own lock, as the per-tenant readers do
   * @param maxConcurrent most tenants read at once, at least 1
   */
  FederatedQueryable(List<String> tenants, BiFunction<String, List<String>, Queryable> storageOf,
      List<String> warnings, int maxConcurrent) {
    this.tenants = List.copyOf(tenants);
    this.storageOf = storageOf;
    this.warnings = warnings;
    this.maxConcurrent = maxConcurrent;
  }

  private Queryable storage(String tenant) {
    return storage.computeIfAbsent(tenant, t -> storageOf.apply(t, tenantWarnings(t, warnings)));
  }

  /** A tenant's view of a request's warnings: each one it adds is prefixed with the tenant, as in Mimir. */
  static List<String> tenantWarnings(String tenant, List<String> warnings) {
    return new TenantWarnings(tenant, warnings);
  }

  @Override
  public Querier querier(long minTimeMs, long maxTimeMs) {
    Map<String, Querier> opened = new ConcurrentHashMap<>();
    Function<String, Querier> querierOf =
        tenant -> opened.computeIfAbsent(tenant, t -> storage(t).querier(minTimeMs, maxTimeMs));
    return new Querier() {
      @Override
      public List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers) {
        Selection selection = selection(matchers);
        List<List<Series>> parts = forEachTenant(selection.tenants(), maxConcurrent, tenant -> {
          List<Series> selected = querierOf.apply(tenant).select(sorted, hints, selection.passedOn());
          List<Series> labelled = new ArrayList<>(selected.size());
          for (Series series : selected) {
            labelled.add(new TenantSeries(withTenant(series.labels(), tenant), series));
          }
          return labelled;
        });
        List<Series> out = new ArrayList<>();
        parts.forEach(out::addAll);
        if (sorted) {
          out.sort((a, b) -> a.labels().compareTo(b.labels()));
        }
        return out;
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        Selection selection = selection(matchers);
        TreeSet<String> names = new TreeSet<>();
        forEachTenant(selection.tenants(), maxConcurrent,
            tenant -> querierOf.apply(tenant).labelNames(selection.passedOn()))
            .forEach(names::addAll);
        if (!selection.tenants().isEmpty()) {
          // A tenant's own __tenant_id__ is answered as original___tenant_id__ (Mimir's LabelNames).
          if (names.contains(TENANT_LABEL)) {
            names.add(ORIGINAL_TENANT_LABEL);
          }
          names.add(TENANT_LABEL);
        }
        return new ArrayList<>(names);
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        Selection selection = selection(matchers);
        if (name.equals(TENANT_LABEL)) {
          return selection.tenants();
        }
        String upstreamName = name.equals(ORIGINAL_TENANT_LABEL) ? TENANT_LABEL : name;
        TreeSet<String> values = new TreeSet<>();
        forEachTenant(selection.tenants(), maxConcurrent,
            tenant -> querierOf.apply(tenant).labelValues(upstreamName, selection.passedOn()))
            .forEach(values::addAll);
        return new ArrayList<>(values);
      }

      @Override
      public void close() {
        opened.values().forEach(Querier::close);
      }
    };
  }

  /** The tenants a request's matchers pick (in order), and the matchers each tenant's storage gets. */
  private record Selection(List<String> tenants, List<Matcher> passedOn) {}

  private Selection selection(List<Matcher> matchers) {
    List<String> picked = new ArrayList<>(tenants);
    List<Matcher> passedOn = new ArrayList<>(matchers.size());
    for (Matcher matcher : matchers) {
      if (matcher.name().equals(TENANT_LABEL)) {
        picked.removeIf(tenant -> !matcher.matches(tenant));
      } else if (matcher.name().equals(ORIGINAL_TENANT_LABEL)) {
        passedOn.add(Matcher.of(matcher.type(), TENANT_LABEL, matcher.value()));
      } else {
        passedOn.add(matcher);
      }
    }
    return new Selection(picked, passedOn);
  }

  /** {@code labels} with {@code __tenant_id__} set to the tenant, an existing value moved to the original label. */
  static Labels withTenant(Labels labels, String tenant) {
    Labels.Builder builder = labels.toBuilder();
    String existing = labels.get(TENANT_LABEL);
    if (!existing.isEmpty()) {
      builder.set(ORIGINAL_TENANT_LABEL, existing);
    }
    return builder.set(TENANT_LABEL, tenant).build();
  }

  /** A tenant's series under its federated labels; the samples are the tenant's own, read lazily. */
  private record TenantSeries(Labels labels, Series upstream) implements Series {
    @Override
    public SampleIterator iterator() {
      return upstream.iterator();
    }
  }

  /**
   * Runs {@code call} for every tenant, at most {@code maxConcurrent} at once, as dskit's
   * {@code concurrency.ForEachJob}: a few workers each take the next tenant until none is left. Answers in the
   * tenants' order. The first failure cancels the rest and is thrown naming its tenant; waits end with the query's
   * deadline.
   */
  static <T> List<T> forEachTenant(List<String> picked, int maxConcurrent, Function<String, T> call) {
    int count = picked.size();
    Object[] results = new Object[count];
    AtomicInteger next = new AtomicInteger();
    java.util.function.Supplier<Void> work = QueryDeadline.carried(() -> {
      for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
        String tenant = picked.get(i);
        try {
          results[i] = call.apply(tenant);
        } catch (RuntimeException e) {
          throw naming(tenant, e);
        }
      }
      return null;
    });
    int workers = Math.min(maxConcurrent, count);
    ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(SUB_QUERIES);
    List<Future<Void>> futures = new ArrayList<>(workers);
    try {
      for (int w = 0; w < workers; w++) {
        futures.add(done.submit(work::get));
      }
      for (int w = 0; w < workers; w++) {
        long leftMs = QueryDeadline.remainingMs(Long.MAX_VALUE, "expanding series");
        Future<Void> finished = done.poll(leftMs, TimeUnit.MILLISECONDS);
        if (finished == null) {
          throw new QueryDeadline.QueryTimeoutException("expanding series");
        }
        finished.get();
      }
    } catch (ExecutionException e) {
      throw rethrown(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while reading the federated tenants", e);
    } finally {
      // Stops the workers still reading once one failed or the deadline passed; a no-op after success.
      futures.forEach(f -> f.cancel(true));
    }
    List<T> out = new ArrayList<>(count);
    for (Object result : results) {
      @SuppressWarnings("unchecked")
      T typed = (T) result;
      out.add(typed);
    }
    return out;
  }

  /** A tenant's failure with the tenant named, as Mimir's "error querying tenant_id a: ..."; the type is kept. */
  private static RuntimeException naming(String tenant, RuntimeException e) {
    String prefix = "error querying tenant_id " + tenant + ": ";
    return switch (e) {
      case QueryDeadline.QueryTimeoutException timeout -> timeout; // the request's deadline, not the tenant's fault
      case PromQLException p -> new PromQLException(p.type(), prefix + p.getMessage());
      case StorageException s -> new StorageException(prefix + s.getMessage(), s);
      default -> new StorageException(prefix + e, e);
    };
  }

  private static RuntimeException rethrown(Throwable cause) {
    if (cause instanceof RuntimeException e) {
      return e;
    }
    if (cause instanceof Error e) {
      throw e; // StackOverflowError and OutOfMemoryError are answered by the API
    }
    return new StorageException("reading the federated tenants failed: " + cause, cause);
  }

  /** A tenant's view of the request's warnings: each one it adds is prefixed with the tenant, as in Mimir. */
  private static final class TenantWarnings extends AbstractList<String> {
    private final String prefix;
    private final List<String> shared;

    TenantWarnings(String tenant, List<String> shared) {
      this.prefix = "warning querying tenant_id " + tenant + ": ";
      this.shared = shared;
    }

    @Override
    public boolean add(String warning) {
      synchronized (shared) {
        return shared.add(prefix + warning);
      }
    }

    @Override
    public String get(int index) {
      synchronized (shared) {
        return shared.get(index);
      }
    }

    @Override
    public int size() {
      synchronized (shared) {
        return shared.size();
      }
    }
  }
}
