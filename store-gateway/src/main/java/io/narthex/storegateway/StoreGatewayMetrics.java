package io.narthex.storegateway;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * A store-gateway's metrics, registered in the registry of the process that runs it. The gauges read the gateway
 * and the caches given to {@link #observe}, 0 before. Label {@code cache} is postings, series or chunks.
 */
final class StoreGatewayMetrics {
  final Counter cacheRequests;
  final Counter cacheHits;
  final Counter cacheEvictions;
  final Counter syncs;
  final Counter syncFailures;
  final Counter indexHeaderLoads;
  final Counter indexHeaderUnloads;
  final Counter blocksQueried;
  private volatile StoreGateway gateway;
  private volatile IndexCaches caches;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  StoreGatewayMetrics(PrometheusRegistry registry) {
    cacheRequests = Counter.builder()
        .name("narthex_storegateway_cache_requests_total")
        .help("Lookups in the store-gateway's in-memory caches.")
        .labelNames("cache")
        .register(registry);
    cacheHits = Counter.builder()
        .name("narthex_storegateway_cache_hits_total")
        .help("Lookups in the store-gateway's in-memory caches that found the item.")
        .labelNames("cache")
        .register(registry);
    cacheEvictions = Counter.builder()
        .name("narthex_storegateway_cache_evictions_total")
        .help("Items evicted from the store-gateway's in-memory caches to stay within their size in bytes.")
        .labelNames("cache")
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_storegateway_cache_size_bytes")
        .help("Bytes held by the store-gateway's in-memory caches (keys and values).")
        .labelNames("cache")
        .callback(callback -> {
          IndexCaches observed = caches;
          for (IndexCaches.CacheKind kind : IndexCaches.CacheKind.values()) {
            callback.call(observed == null ? 0 : observed.weightedSizeBytes(kind), kind.label());
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_storegateway_blocks_owned")
        .help("Blocks this store-gateway owns by the ring and holds an index-header of on local disk.")
        .callback(callback -> {
          StoreGateway observed = gateway;
          callback.call(observed == null ? 0 : observed.ownedBlocks());
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_storegateway_blocks_loaded")
        .help("Blocks whose index-header is loaded in memory (lazy loading: loaded on query, unloaded when idle).")
        .callback(callback -> {
          StoreGateway observed = gateway;
          callback.call(observed == null ? 0 : observed.loadedBlocks());
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_storegateway_index_header_memory_bytes")
        .help("Estimated heap bytes of the index-headers loaded in memory.")
        .callback(callback -> {
          StoreGateway observed = gateway;
          callback.call(observed == null ? 0 : observed.indexHeaderMemoryBytes());
        })
        .register(registry);
    syncs = Counter.builder()
        .name("narthex_storegateway_block_syncs_total")
        .help("Syncs of the store-gateway's blocks with the bucket index.")
        .register(registry);
    syncFailures = Counter.builder()
        .name("narthex_storegateway_block_sync_failures_total")
        .help("Tenants or blocks a sync could not bring up to date; retried on the next sync.")
        .register(registry);
    indexHeaderLoads = Counter.builder()
        .name("narthex_storegateway_index_header_loads_total")
        .help("Index-headers loaded into memory from local disk.")
        .register(registry);
    indexHeaderUnloads = Counter.builder()
        .name("narthex_storegateway_index_header_unloads_total")
        .help("Index-headers unloaded from memory after idling, or because their block was dropped.")
        .register(registry);
    blocksQueried = Counter.builder()
        .name("narthex_storegateway_blocks_queried_total")
        .help("Blocks read to answer select, label names and label values requests.")
        .register(registry);
  }

  /** The gateway whose blocks the gauges report. */
  void observe(StoreGateway gateway) {
    this.gateway = gateway;
  }

  /** The caches whose size the gauge reports. */
  void observe(IndexCaches caches) {
    this.caches = caches;
  }
}
