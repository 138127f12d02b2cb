package io.narthex.ingester;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

/** The ingester's own metrics, registered once per process in the default registry. */
final class IngesterMetrics {
  static final Counter INGESTED_SAMPLES = Counter.builder()
      .name("narthex_ingester_ingested_samples_total")
      .help("Samples appended to the head, per tenant.")
      .labelNames("user")
      .register();
  static final Gauge MEMORY_SERIES = Gauge.builder()
      .name("narthex_ingester_memory_series")
      .help("Series in the head, per tenant.")
      .labelNames("user")
      .register();
  static final Counter LOCAL_BLOCK_FAILURES = Counter.builder()
      .name("narthex_ingester_local_block_failures_total")
      .help("Blocks that could not be written to local disk when cut; their data stayed in the head.")
      .register();

  static final Counter DISCARDED_METADATA = Counter.builder()
      .name("narthex_ingester_discarded_metadata_total")
      .help("Metric metadata entries not stored, per tenant and reason (Mimir's per_user_metadata_limit and"
          + " per_metric_metadata_limit, or an invalid entry).")
      .labelNames("user", "reason")
      .register();

  private IngesterMetrics() {}
}
