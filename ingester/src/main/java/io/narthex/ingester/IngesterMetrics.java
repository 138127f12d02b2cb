package io.narthex.ingester;

import io.narthex.tsdb.head.HeadChunkSpace;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The ingester's own metrics, registered in the registry of the process that owns them; one instance is shared by
 * every shard's heads of that process. Per-tenant children are looked up with {@code labelValues}, which the client
 * caches, so a push allocates none.
 */
public final class IngesterMetrics {
  final Counter ingestedSamples;
  final Gauge memorySeries;
  final Counter localBlockFailures;
  final Counter discardedMetadata;

  /**
   * Registers the metrics in {@code registry}.
   *
   * @throws IllegalStateException when {@code registry} holds them already
   */
  public IngesterMetrics(PrometheusRegistry registry) {
    ingestedSamples = Counter.builder()
        .name("narthex_ingester_ingested_samples_total")
        .help("Samples appended to the head, per tenant.")
        .labelNames("user")
        .register(registry);
    memorySeries = Gauge.builder()
        .name("narthex_ingester_memory_series")
        .help("Series in the head, per tenant.")
        .labelNames("user")
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_ingester_head_chunks_off_heap_bytes")
        .help("Native memory holding the heads' closed chunks, off the Java heap, for every head of the process.")
        .callback(callback -> callback.call(HeadChunkSpace.processBytes()))
        .register(registry);
    localBlockFailures = Counter.builder()
        .name("narthex_ingester_local_block_failures_total")
        .help("Blocks that could not be written to local disk when cut; their data stayed in the head.")
        .register(registry);
    discardedMetadata = Counter.builder()
        .name("narthex_ingester_discarded_metadata_total")
        .help("Metric metadata entries not stored, per tenant and reason (Mimir's per_user_metadata_limit and"
            + " per_metric_metadata_limit, or an invalid entry).")
        .labelNames("user", "reason")
        .register(registry);
  }

  /** Metrics in a registry of their own, for heads whose metrics nobody scrapes (tests, tools). */
  public static IngesterMetrics unscraped() {
    return new IngesterMetrics(new PrometheusRegistry());
  }
}
