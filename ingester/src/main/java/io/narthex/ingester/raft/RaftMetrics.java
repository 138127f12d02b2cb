package io.narthex.ingester.raft;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;

/** Metrics of the shards' Raft groups, registered once per process. */
final class RaftMetrics {
  static final Counter LEADER_CHANGES = Counter.builder()
      .name("narthex_ingester_raft_leader_changes_total")
      .help("Leader changes seen by this replica, per shard.")
      .labelNames("shard")
      .register();
  static final Gauge APPLIED_INDEX = Gauge.builder()
      .name("narthex_ingester_raft_applied_index")
      .help("Index of the last Raft log entry applied to the heads, per shard.")
      .labelNames("shard")
      .register();
  static final Gauge APPLY_LAG = Gauge.builder()
      .name("narthex_ingester_raft_apply_lag_entries")
      .help("Committed Raft log entries not yet applied, per shard.")
      .labelNames("shard")
      .register();
  static final Gauge LOG_SIZE = Gauge.builder()
      .name("narthex_ingester_raft_log_size_bytes")
      .help("Bytes of Raft log and snapshots on disk, per shard.")
      .labelNames("shard")
      .register();
  static final Counter REJECTED_ENTRIES = Counter.builder()
      .name("narthex_ingester_raft_rejected_entries_total")
      .help("Committed log entries the state machine refused as invalid, the same on every replica, per shard.")
      .labelNames("shard")
      .register();
  static final Counter REFUSED_PUSHES_HEAP = Counter.builder()
      .name("narthex_ingester_heap_watermark_refused_pushes_total")
      .help("Pushes a shard leader refused because the heap was over -ingester.instance-limits.max-heap-used-percent.")
      .labelNames("shard")
      .register();
  static final Histogram SNAPSHOT_DURATION = Histogram.builder()
      .name("narthex_ingester_raft_snapshot_duration_seconds")
      .help("Time to write a snapshot of a shard's heads.")
      .labelNames("shard")
      .register();
  static final Histogram COMMIT_LATENCY = Histogram.builder()
      .name("narthex_distributor_raft_commit_latency_seconds")
      .help("Time from sending a shard's batch to its commit by a quorum and apply on the leader.")
      .labelNames("shard")
      .register();

  private RaftMetrics() {}
}
