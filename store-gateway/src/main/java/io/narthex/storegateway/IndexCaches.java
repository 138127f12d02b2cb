package io.narthex.storegateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.narthex.tsdb.block.IndexCache;
import io.narthex.tsdb.block.IndexCache.Kind;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The store-gateway's in-memory caches of postings, series and chunks read from blocks in the bucket, shared by
 * all blocks and tenants: keys name their block (BlockReader puts the ULID in), and {@link #forTenant} adds the
 * tenant. Each cache is bounded by its size in bytes (key characters plus value bytes plus a fixed overhead per
 * entry) and evicts by Caffeine's W-TinyLFU. A size of zero turns that cache off.
 */
public final class IndexCaches {
  /** Rough heap overhead of one cache entry: the node, the key objects and the array header. */
  static final int ENTRY_OVERHEAD_BYTES = 96;

  /** A block's item in one tenant: a block copied to another tenant keeps its ULID. */
  private record TenantKey(String tenant, IndexCache.Key key) {}

  enum CacheKind {
    POSTINGS("postings"),
    SERIES("series"),
    CHUNKS("chunks");

    private final String label;

    CacheKind(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    static CacheKind of(Kind kind) {
      return switch (kind) {
        case POSTINGS -> POSTINGS;
        case SERIES -> SERIES;
        case CHUNKS -> CHUNKS;
      };
    }
  }

  private final StoreGatewayMetrics metrics;
  private final Map<CacheKind, Cache<TenantKey, byte[]>> caches = new EnumMap<>(CacheKind.class);
  private final Map<CacheKind, CounterDataPoint> requests = new EnumMap<>(CacheKind.class);
  private final Map<CacheKind, CounterDataPoint> hits = new EnumMap<>(CacheKind.class);

  public IndexCaches(long postingsMaxSizeBytes, long seriesMaxSizeBytes, long chunksMaxSizeBytes) {
    this(postingsMaxSizeBytes, seriesMaxSizeBytes, chunksMaxSizeBytes, new StoreGatewayMetrics(new PrometheusRegistry()));
  }

  IndexCaches(long postingsMaxSizeBytes, long seriesMaxSizeBytes, long chunksMaxSizeBytes,
      StoreGatewayMetrics metrics) {
    this.metrics = metrics;
    caches.put(CacheKind.POSTINGS, build(CacheKind.POSTINGS, postingsMaxSizeBytes, metrics));
    caches.put(CacheKind.SERIES, build(CacheKind.SERIES, seriesMaxSizeBytes, metrics));
    caches.put(CacheKind.CHUNKS, build(CacheKind.CHUNKS, chunksMaxSizeBytes, metrics));
    for (CacheKind kind : CacheKind.values()) {
      requests.put(kind, metrics.cacheRequests.labelValues(kind.label()));
      hits.put(kind, metrics.cacheHits.labelValues(kind.label()));
    }
    metrics.observe(this);
  }

  /** Caches sized as {@code config} says, counting into {@code metrics}. */
  static IndexCaches of(StoreGatewayConfig config, StoreGatewayMetrics metrics) {
    return new IndexCaches(config.postingsCacheMaxSizeBytes(), config.seriesCacheMaxSizeBytes(),
        config.chunksCacheMaxSizeBytes(), metrics);
  }

  StoreGatewayMetrics metrics() {
    return metrics;
  }

  private static Cache<TenantKey, byte[]> build(CacheKind kind, long maxSizeBytes, StoreGatewayMetrics metrics) {
    CounterDataPoint evictions = metrics.cacheEvictions.labelValues(kind.label());
    return Caffeine.newBuilder()
        .maximumWeight(maxSizeBytes)
        .<TenantKey, byte[]>weigher((key, value) -> weightOf(key.tenant().length() + key.key().chars(), value))
        .removalListener((TenantKey key, byte[] value, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE) {
            evictions.inc();
          }
        })
        .executor(Runnable::run)
        .build();
  }

  static int weightOf(int keyChars, byte[] value) {
    long weight = (long) ENTRY_OVERHEAD_BYTES + keyChars + value.length;
    return (int) Math.min(Integer.MAX_VALUE, weight);
  }

  /**
   * A view of these caches for one tenant's blocks, whose keys carry the tenant: a block copied to another tenant
   * keeps its ULID, and must not share cached items across tenants.
   */
  public IndexCache forTenant(String tenant) {
    return new IndexCache() {
      @Override
      public byte[] get(Kind kind, Key key) {
        CacheKind cacheKind = CacheKind.of(kind);
        requests.get(cacheKind).inc();
        byte[] value = caches.get(cacheKind).getIfPresent(new TenantKey(tenant, key));
        if (value != null) {
          hits.get(cacheKind).inc();
        }
        return value;
      }

      @Override
      public void put(Kind kind, Key key, byte[] value) {
        caches.get(CacheKind.of(kind)).put(new TenantKey(tenant, key), value);
      }
    };
  }

  /** Bytes held by the cache of {@code kind}, as its weigher counts them. */
  public long weightedSizeBytes(Kind kind) {
    return weightedSizeBytes(CacheKind.of(kind));
  }

  long weightedSizeBytes(CacheKind kind) {
    return caches.get(kind).policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** Empties the caches and stops counting them in the size gauge. */
  public void close() {
    for (Cache<TenantKey, byte[]> cache : caches.values()) {
      cache.invalidateAll();
    }
  }
}
