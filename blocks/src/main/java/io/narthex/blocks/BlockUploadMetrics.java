package io.narthex.blocks;

import io.prometheus.metrics.core.metrics.Counter;

/** The block upload API's metrics, registered once per process in the default registry. */
final class BlockUploadMetrics {
  static final Counter STARTED = Counter.builder()
      .name("narthex_block_upload_started_total")
      .help("Block uploads started (start answered 200), per tenant.")
      .labelNames("user")
      .register();
  static final Counter FINISHED = Counter.builder()
      .name("narthex_block_upload_finished_total")
      .help("Block uploads that passed validation and became visible, per tenant.")
      .labelNames("user")
      .register();
  static final Counter FAILED = Counter.builder()
      .name("narthex_block_upload_failed_total")
      .help("Block upload requests (start, files, finish) rejected or failed, by reason: an error id's short form, "
          + "tenant, or server_error.")
      .labelNames("reason")
      .register();
  static final Counter RECEIVED_BYTES = Counter.builder()
      .name("narthex_block_upload_received_bytes_total")
      .help("Bytes of block files stored by the upload API, per tenant.")
      .labelNames("user")
      .register();

  static final String REASON_SERVER_ERROR = "server_error";
  static final String REASON_TENANT = "tenant";

  private BlockUploadMetrics() {}
}
