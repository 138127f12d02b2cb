package io.narthex.blocks;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The block upload API's metrics, registered in the registry of the process that serves the API. */
public final class BlockUploadMetrics {
  static final String REASON_SERVER_ERROR = "server_error";
  static final String REASON_TENANT = "tenant";

  final Counter started;
  final Counter finished;
  final Counter failed;
  final Counter receivedBytes;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public BlockUploadMetrics(PrometheusRegistry registry) {
    started = Counter.builder()
        .name("narthex_block_upload_started_total")
        .help("Block uploads started (start answered 200), per tenant.")
        .labelNames("user")
        .register(registry);
    finished = Counter.builder()
        .name("narthex_block_upload_finished_total")
        .help("Block uploads that passed validation and became visible, per tenant.")
        .labelNames("user")
        .register(registry);
    failed = Counter.builder()
        .name("narthex_block_upload_failed_total")
        .help("Block upload requests (start, files, finish) rejected or failed, by reason: an error id's short "
            + "form, tenant, or server_error.")
        .labelNames("reason")
        .register(registry);
    receivedBytes = Counter.builder()
        .name("narthex_block_upload_received_bytes_total")
        .help("Bytes of block files stored by the upload API, per tenant.")
        .labelNames("user")
        .register(registry);
  }
}
