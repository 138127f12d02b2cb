package io.narthex.distributor;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The distributor's own metrics, registered in the registry of the process that owns the distributor. Per-tenant
 * children are looked up with {@code labelValues}, which the client caches, so a push allocates none.
 */
public final class DistributorMetrics {
  final Counter receivedSamples;
  final Counter receivedMetadata;
  final Counter discardedExemplars;
  final Counter rejectedRequests;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public DistributorMetrics(PrometheusRegistry registry) {
    receivedSamples = Counter.builder()
        .name("narthex_distributor_received_samples_total")
        .help("Samples received in write requests, before validation, per tenant.")
        .labelNames("user")
        .register(registry);
    receivedMetadata = Counter.builder()
        .name("narthex_distributor_received_metadata_total")
        .help("Metric metadata entries received in write requests, per tenant.")
        .labelNames("user")
        .register(registry);
    discardedExemplars = Counter.builder()
        .name("narthex_distributor_discarded_exemplars_total")
        .help("Exemplars received and not stored (exemplar storage is not supported yet), per tenant.")
        .labelNames("user")
        .register(registry);
    rejectedRequests = Counter.builder()
        .name("narthex_distributor_rejected_requests_total")
        .help("Write requests answered with a 4xx, by reason.")
        .labelNames("reason")
        .register(registry);
  }

  /** Removes a tenant's label series from every per-tenant metric. */
  void forgetTenant(String tenant) {
    receivedSamples.remove(tenant);
    receivedMetadata.remove(tenant);
    discardedExemplars.remove(tenant);
  }
}
