package io.narthex.compactor;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.narthex.blocks.TombstoneStore;
import io.narthex.objstore.Bucket;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.Tombstone;
import io.narthex.tsdb.storage.Tombstones;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/**
 * Each tenant's deletion requests (Prometheus's delete_series, stored by {@link TombstoneStore}), for queries and
 * the compactor alike. The cache is keyed by the tenant of each request, which is client input: a tenant not
 * asked for within {@link #EXPIRE_AFTER_ACCESS} is dropped, and at most {@link #MAX_TENANTS} are kept, so that
 * querying ever new tenant ids cannot grow it without bound.
 */
public final class TenantDeletions {
  /** Longer than any refresh (the bucket sync interval, 15m by default), so a tenant in use is never dropped. */
  public static final Duration EXPIRE_AFTER_ACCESS = Duration.ofHours(1);
  /** Tenants cached at most; one more evicts the least recently used, which is read again when asked for. */
  public static final long MAX_TENANTS = 10_000;

  private TenantDeletions() {}

  /**
   * The cache: an entry is reloaded from the bucket when asked for {@code refreshAfterWrite} after it was read.
   *
   * @param ticker the cache's clock (tests pass a fake one)
   * @param executor where loads and evictions run
   */
  public static LoadingCache<String, Deletions> cache(Bucket bucket, Duration refreshAfterWrite, Ticker ticker,
      Executor executor) {
    return Caffeine.newBuilder()
        .refreshAfterWrite(refreshAfterWrite)
        .expireAfterAccess(EXPIRE_AFTER_ACCESS)
        .maximumSize(MAX_TENANTS)
        .ticker(ticker)
        .executor(executor)
        .build(tenant -> Deletions.of(TombstoneStore.list(bucket, tenant)));
  }

  /** A tenant's stored deletion requests, and the tombstones they make, built once per load. */
  public record Deletions(List<TombstoneStore.Entry> entries, Tombstones tombstones) implements SeriesDeletions {
    public static Deletions of(List<TombstoneStore.Entry> entries) {
      List<Tombstone> list = new ArrayList<>(entries.size());
      for (TombstoneStore.Entry entry : entries) {
        list.add(entry.tombstone());
      }
      return new Deletions(List.copyOf(entries), new Tombstones(list));
    }

    @Override
    public Set<String> overlapping(long minTimeMs, long maxTimeMs) {
      Set<String> ids = new TreeSet<>();
      for (TombstoneStore.Entry entry : entries) {
        if (entry.tombstone().overlaps(minTimeMs, maxTimeMs - 1)) {
          ids.add(entry.id());
        }
      }
      return ids;
    }

    @Override
    public EncodedSeries apply(EncodedSeries series) {
      return tombstones.apply(series);
    }
  }
}
