package io.narthex.ingester.raft;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Metrics of a node's shard replicas (Raft groups), registered in the registry of the process that owns the node;
 * one instance is shared by every replica of the node. Label {@code shard} is the shard number.
 */
final class RaftMetrics {
  final Counter leaderChanges;
  final Gauge appliedIndex;
  final Gauge applyLag;
  final Gauge logSize;
  final Counter rejectedEntries;
  final Counter refusedPushesHeap;
  final Histogram snapshotDuration;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  RaftMetrics(PrometheusRegistry registry) {
    leaderChanges = Counter.builder()
        .name("narthex_ingester_raft_leader_changes_total")
        .help("Leader changes seen by this replica, per shard.")
        .labelNames("shard")
        .register(registry);
    appliedIndex = Gauge.builder()
        .name("narthex_ingester_raft_applied_index")
        .help("Index of the last Raft log entry applied to the heads, per shard.")
        .labelNames("shard")
        .register(registry);
    applyLag = Gauge.builder()
        .name("narthex_ingester_raft_apply_lag_entries")
        .help("Committed Raft log entries not yet applied, per shard.")
        .labelNames("shard")
        .register(registry);
    logSize = Gauge.builder()
        .name("narthex_ingester_raft_log_size_bytes")
        .help("Bytes of Raft log and snapshots on disk, per shard.")
        .labelNames("shard")
        .register(registry);
    rejectedEntries = Counter.builder()
        .name("narthex_ingester_raft_rejected_entries_total")
        .help("Committed log entries the state machine refused as invalid, the same on every replica, per shard.")
        .labelNames("shard")
        .register(registry);
    refusedPushesHeap = Counter.builder()
        .name("narthex_ingester_heap_watermark_refused_pushes_total")
        .help("Pushes a shard leader refused because the heap was over "
            + "-ingester.instance-limits.max-heap-used-percent.")
        .labelNames("shard")
        .register(registry);
    snapshotDuration = Histogram.builder()
        .name("narthex_ingester_raft_snapshot_duration_seconds")
        .help("Time to write a snapshot of a shard's heads.")
        .labelNames("shard")
        .register(registry);
  }
}
