package io.narthex.storegateway;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Store-gateway metrics, registered once per process in the default registry. The gauges sum over the gateways
 * alive in the process (one in production, several in tests). Label {@code cache} is postings, series or chunks.
 */
final class StoreGatewayMetrics {
  static final Set<StoreGateway> LIVE_GATEWAYS = ConcurrentHashMap.newKeySet();
  static final Set<IndexCaches> LIVE_CACHES = ConcurrentHashMap.newKeySet();

  static final Counter CACHE_REQUESTS = Counter.builder()
      .name("narthex_storegateway_cache_requests_total")
      .help("Lookups in the store-gateway's in-memory caches.")
      .labelNames("cache")
      .register();
  static final Counter CACHE_HITS = Counter.builder()
      .name("narthex_storegateway_cache_hits_total")
      .help("Lookups in the store-gateway's in-memory caches that found the item.")
      .labelNames("cache")
      .register();
  static final Counter CACHE_EVICTIONS = Counter.builder()
      .name("narthex_storegateway_cache_evictions_total")
      .help("Items evicted from the store-gateway's in-memory caches to stay within their size in bytes.")
      .labelNames("cache")
      .register();
  static final GaugeWithCallback CACHE_BYTES = GaugeWithCallback.builder()
      .name("narthex_storegateway_cache_size_bytes")
      .help("Bytes held by the store-gateway's in-memory caches (keys and values).")
      .labelNames("cache")
      .callback(callback -> {
        for (IndexCaches.CacheKind kind : IndexCaches.CacheKind.values()) {
          long bytes = 0;
          for (IndexCaches caches : LIVE_CACHES) {
            bytes += caches.weightedSizeBytes(kind);
          }
          callback.call(bytes, kind.label());
        }
      })
      .register();
  static final GaugeWithCallback BLOCKS_OWNED = GaugeWithCallback.builder()
      .name("narthex_storegateway_blocks_owned")
      .help("Blocks this store-gateway owns by the ring and holds an index-header of on local disk.")
      .callback(callback -> {
        long blocks = 0;
        for (StoreGateway gateway : LIVE_GATEWAYS) {
          blocks += gateway.ownedBlocks();
        }
        callback.call(blocks);
      })
      .register();
  static final GaugeWithCallback BLOCKS_LOADED = GaugeWithCallback.builder()
      .name("narthex_storegateway_blocks_loaded")
      .help("Blocks whose index-header is loaded in memory (lazy loading: loaded on query, unloaded when idle).")
      .callback(callback -> {
        long blocks = 0;
        for (StoreGateway gateway : LIVE_GATEWAYS) {
          blocks += gateway.loadedBlocks();
        }
        callback.call(blocks);
      })
      .register();
  static final GaugeWithCallback INDEX_HEADER_BYTES = GaugeWithCallback.builder()
      .name("narthex_storegateway_index_header_memory_bytes")
      .help("Estimated heap bytes of the index-headers loaded in memory.")
      .callback(callback -> {
        long bytes = 0;
        for (StoreGateway gateway : LIVE_GATEWAYS) {
          bytes += gateway.indexHeaderMemoryBytes();
        }
        callback.call(bytes);
      })
      .register();
  static final Counter SYNCS = Counter.builder()
      .name("narthex_storegateway_block_syncs_total")
      .help("Syncs of the store-gateway's blocks with the bucket index.")
      .register();
  static final Counter SYNC_FAILURES = Counter.builder()
      .name("narthex_storegateway_block_sync_failures_total")
      .help("Tenants or blocks a sync could not bring up to date; retried on the next sync.")
      .register();
  static final Counter INDEX_HEADER_LOADS = Counter.builder()
      .name("narthex_storegateway_index_header_loads_total")
      .help("Index-headers loaded into memory from local disk.")
      .register();
  static final Counter INDEX_HEADER_UNLOADS = Counter.builder()
      .name("narthex_storegateway_index_header_unloads_total")
      .help("Index-headers unloaded from memory after idling, or because their block was dropped.")
      .register();
  static final Counter BLOCKS_QUERIED = Counter.builder()
      .name("narthex_storegateway_blocks_queried_total")
      .help("Blocks read to answer select, label names and label values requests.")
      .register();

  private StoreGatewayMetrics() {}
}
