package io.narthex.ingester.shipper;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

final class ShipperMetrics {
  static final Counter UPLOADS = Counter.builder()
      .name("narthex_ingester_shipper_uploads_total")
      .help("Blocks uploaded to object storage by this ingester (as the shard leader).")
      .register();
  static final Counter UPLOAD_FAILURES = Counter.builder()
      .name("narthex_ingester_shipper_upload_failures_total")
      .help("Failed block uploads or commits; the block stays on local disk and is retried.")
      .register();
  static final Gauge PENDING_BLOCKS = Gauge.builder()
      .name("narthex_ingester_shipper_pending_blocks")
      .help("Blocks cut on local disk and not yet uploaded and committed, in the shards this ingester leads.")
      .register();
  static final Gauge LAST_SHIPPED = Gauge.builder()
      .name("narthex_ingester_shipper_last_successful_upload_timestamp_seconds")
      .help("Unix time of the last block uploaded and committed.")
      .register();

  private ShipperMetrics() {}
}
