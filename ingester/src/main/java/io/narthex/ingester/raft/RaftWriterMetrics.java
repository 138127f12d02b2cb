package io.narthex.ingester.raft;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Metrics of the writers that send batches to shard leaders ({@link RaftShardWriter}), registered in the registry of
 * the process that owns them; one instance is shared by the process's distributor and block shipper.
 */
public final class RaftWriterMetrics {
  final Histogram commitLatency;
  final Histogram pushesPerEntry;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public RaftWriterMetrics(PrometheusRegistry registry) {
    commitLatency = Histogram.builder()
        .name("narthex_distributor_raft_commit_latency_seconds")
        .help("Time from sending a shard's batch to its commit by a quorum and apply on the leader.")
        .labelNames("shard")
        .register(registry);
    pushesPerEntry = Histogram.builder()
        .name("narthex_distributor_raft_pushes_per_entry")
        .help("Pushes to a shard coalesced into one Raft log entry (group commit).")
        .classicOnly().classicUpperBounds(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)
        .labelNames("shard")
        .register(registry);
  }
}
