package io.narthex.distributor;

import io.prometheus.metrics.core.metrics.Counter;

/** The distributor's own metrics, registered once per process in the default registry. */
final class DistributorMetrics {
  static final Counter RECEIVED_SAMPLES = Counter.builder()
      .name("narthex_distributor_received_samples_total")
      .help("Samples received in write requests, before validation, per tenant.")
      .labelNames("user")
      .register();
  static final Counter RECEIVED_METADATA = Counter.builder()
      .name("narthex_distributor_received_metadata_total")
      .help("Metric metadata entries received in write requests, per tenant.")
      .labelNames("user")
      .register();
  static final Counter DISCARDED_EXEMPLARS = Counter.builder()
      .name("narthex_distributor_discarded_exemplars_total")
      .help("Exemplars received and not stored (exemplar storage is not supported yet), per tenant.")
      .labelNames("user")
      .register();
  static final Counter REJECTED_REQUESTS = Counter.builder()
      .name("narthex_distributor_rejected_requests_total")
      .help("Write requests answered with a 4xx, by reason.")
      .labelNames("reason")
      .register();

  private DistributorMetrics() {}

  /** Removes a tenant's label series from every per-tenant metric. */
  static void forgetTenant(String tenant) {
    RECEIVED_SAMPLES.remove(tenant);
    RECEIVED_METADATA.remove(tenant);
    DISCARDED_EXEMPLARS.remove(tenant);
  }
}
