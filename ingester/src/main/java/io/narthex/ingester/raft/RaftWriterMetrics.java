package io.narthex.ingester.raft;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Metrics of the writers that send batches to shard leaders ({@link RaftShardWriter}), registered in the registry of
 * the process that owns them; one instance is shared by the process's distributor and block shipper.
 */
public final class RaftWriterMetrics {
  final Histogram commitLatency;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public RaftWriterMetrics(PrometheusRegistry registry) {
    commitLatency = Histogram.builder()
        .name("narthex_distributor_raft_commit_latency_seconds")
        .help("Time from sending a shard's batch to its commit by a quorum and apply on the leader.")
        .labelNames("shard")
        .register(registry);
  }
}
