package io.narthex.ingester.shipper;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The block shipper's metrics, registered in the registry of the process that owns the shipper. */
final class ShipperMetrics {
  final Counter uploads;
  final Counter uploadFailures;
  final Gauge pendingBlocks;
  final Gauge lastShipped;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  ShipperMetrics(PrometheusRegistry registry) {
    uploads = Counter.builder()
        .name("narthex_ingester_shipper_uploads_total")
        .help("Blocks uploaded to object storage by this ingester (as the shard leader).")
        .register(registry);
    uploadFailures = Counter.builder()
        .name("narthex_ingester_shipper_upload_failures_total")
        .help("Failed block uploads or commits; the block stays on local disk and is retried.")
        .register(registry);
    pendingBlocks = Gauge.builder()
        .name("narthex_ingester_shipper_pending_blocks")
        .help("Blocks cut on local disk and not yet uploaded and committed, in the shards this ingester leads.")
        .register(registry);
    lastShipped = Gauge.builder()
        .name("narthex_ingester_shipper_last_successful_upload_timestamp_seconds")
        .help("Unix time of the last block uploaded and committed.")
        .register(registry);
  }
}
