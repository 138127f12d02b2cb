package io.narthex.compactor;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * A compactor's metrics, registered in the registry of the process that runs it; the gauges read that compactor.
 */
final class CompactorMetrics {
  static final String REASON_COMPACTION = "compaction";
  static final String REASON_RETENTION = "retention";
  static final String REASON_REDUNDANT = "redundant";

  final Counter runs;
  final Counter runsFailed;
  final Gauge lastSuccessfulRun;
  final Counter blocksCompacted;
  final Counter groupsCompacted;
  final Counter samplesCompacted;
  final Counter samplesConflicting;
  final Counter blocksMarkedForDeletion;
  final Counter blocksMarkedForNoCompaction;
  final Counter blocksDeleted;
  final Histogram compactionDuration;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  CompactorMetrics(PrometheusRegistry registry, Compactor compactor) {
    runs = Counter.builder()
        .name("narthex_compactor_runs_total")
        .help("Compaction passes started.")
        .register(registry);
    runsFailed = Counter.builder()
        .name("narthex_compactor_runs_failed_total")
        .help("Compaction passes in which a tenant or a group failed (bucket errors, a compaction that did not "
            + "validate); the next pass retries.")
        .register(registry);
    lastSuccessfulRun = Gauge.builder()
        .name("narthex_compactor_last_successful_run_timestamp_seconds")
        .help("Unix time of the end of the last pass without failures.")
        .register(registry);
    blocksCompacted = Counter.builder()
        .name("narthex_compactor_blocks_compacted_total")
        .help("Source blocks compacted into new blocks.")
        .register(registry);
    groupsCompacted = Counter.builder()
        .name("narthex_compactor_groups_compacted_total")
        .help("Groups of blocks compacted into one new block (or rewritten alone).")
        .register(registry);
    samplesCompacted = Counter.builder()
        .name("narthex_compactor_samples_compacted_total")
        .help("Samples written to compacted blocks.")
        .register(registry);
    samplesConflicting = Counter.builder()
        .name("narthex_compactor_conflicting_samples_total")
        .help("Samples dropped by a vertical compaction because another block had a different value at the same "
            + "timestamp (the first block's, by ULID order, is kept).")
        .register(registry);
    blocksMarkedForDeletion = Counter.builder()
        .name("narthex_compactor_blocks_marked_for_deletion_total")
        .help("Blocks marked for deletion, by reason: compaction (sources of a new block), retention, redundant "
            + "(sources of a block already uploaded, left by an interrupted pass).")
        .labelNames("reason")
        .register(registry);
    blocksMarkedForNoCompaction = Counter.builder()
        .name("narthex_compactor_blocks_marked_for_no_compaction_total")
        .help("Blocks that could not be read or failed validation and were marked no-compact.")
        .register(registry);
    blocksDeleted = Counter.builder()
        .name("narthex_compactor_blocks_deleted_total")
        .help("Blocks deleted from the bucket: marked ones after the deletion delay, partial ones, deleted tenants'.")
        .register(registry);
    compactionDuration = Histogram.builder()
        .name("narthex_compactor_group_compaction_duration_seconds")
        .help("Time to compact one group: download, merge, write, validate, upload, mark.")
        .classicOnly()
        .classicUpperBounds(0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200)
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_compactor_backlog_groups")
        .help("Groups ready to compact that the last pass left undone (failed or no-compact sources).")
        .callback(callback -> callback.call(compactor.backlogGroups()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_compactor_oldest_uncompacted_block_age_seconds")
        .help("Time since the upload of the oldest live level-1 block that a larger range will still compact, over "
            + "the tenants this compactor owns; 0 when none.")
        .callback(callback -> callback.call(compactor.oldestUncompactedBlockAgeSeconds()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("narthex_compactor_tenants_owned")
        .help("Tenants this compactor owns by the ring, as of its last pass.")
        .callback(callback -> callback.call(compactor.tenantsOwned()))
        .register(registry);
  }
}
