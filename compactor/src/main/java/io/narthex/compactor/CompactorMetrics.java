package io.narthex.compactor;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compactor metrics, registered once per process in the default registry. The gauges with callbacks sum (or, for
 * ages, take the maximum) over the compactors alive in the process: one in production, several in tests.
 */
final class CompactorMetrics {
  static final Set<Compactor> LIVE_COMPACTORS = ConcurrentHashMap.newKeySet();

  static final String REASON_COMPACTION = "compaction";
  static final String REASON_RETENTION = "retention";
  static final String REASON_REDUNDANT = "redundant";

  static final Counter RUNS = Counter.builder()
      .name("narthex_compactor_runs_total")
      .help("Compaction passes started.")
      .register();
  static final Counter RUNS_FAILED = Counter.builder()
      .name("narthex_compactor_runs_failed_total")
      .help("Compaction passes in which a tenant or a group failed (bucket errors, a compaction that did not "
          + "validate); the next pass retries.")
      .register();
  static final Gauge LAST_SUCCESSFUL_RUN = Gauge.builder()
      .name("narthex_compactor_last_successful_run_timestamp_seconds")
      .help("Unix time of the end of the last pass without failures.")
      .register();
  static final Counter BLOCKS_COMPACTED = Counter.builder()
      .name("narthex_compactor_blocks_compacted_total")
      .help("Source blocks compacted into new blocks.")
      .register();
  static final Counter GROUPS_COMPACTED = Counter.builder()
      .name("narthex_compactor_groups_compacted_total")
      .help("Groups of blocks compacted into one new block (or rewritten alone).")
      .register();
  static final Counter SAMPLES_COMPACTED = Counter.builder()
      .name("narthex_compactor_samples_compacted_total")
      .help("Samples written to compacted blocks.")
      .register();
  static final Counter SAMPLES_CONFLICTING = Counter.builder()
      .name("narthex_compactor_conflicting_samples_total")
      .help("Samples dropped by a vertical compaction because another block had a different value at the same "
          + "timestamp (the first block's, by ULID order, is kept).")
      .register();
  static final Counter BLOCKS_MARKED_FOR_DELETION = Counter.builder()
      .name("narthex_compactor_blocks_marked_for_deletion_total")
      .help("Blocks marked for deletion, by reason: compaction (sources of a new block), retention, redundant "
          + "(sources of a block already uploaded, left by an interrupted pass).")
      .labelNames("reason")
      .register();
  static final Counter BLOCKS_MARKED_FOR_NO_COMPACTION = Counter.builder()
      .name("narthex_compactor_blocks_marked_for_no_compaction_total")
      .help("Blocks that could not be read or failed validation and were marked no-compact.")
      .register();
  static final Counter BLOCKS_DELETED = Counter.builder()
      .name("narthex_compactor_blocks_deleted_total")
      .help("Blocks deleted from the bucket: marked ones after the deletion delay, partial ones, deleted tenants'.")
      .register();
  static final Histogram COMPACTION_DURATION = Histogram.builder()
      .name("narthex_compactor_group_compaction_duration_seconds")
      .help("Time to compact one group: download, merge, write, validate, upload, mark.")
      .classicOnly()
      .classicUpperBounds(0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200)
      .register();
  static final GaugeWithCallback BACKLOG_GROUPS = GaugeWithCallback.builder()
      .name("narthex_compactor_backlog_groups")
      .help("Groups ready to compact that the last pass left undone (failed or no-compact sources).")
      .callback(callback -> {
        long groups = 0;
        for (Compactor c : LIVE_COMPACTORS) {
          groups += c.backlogGroups();
        }
        callback.call(groups);
      })
      .register();
  static final GaugeWithCallback OLDEST_UNCOMPACTED_BLOCK_AGE = GaugeWithCallback.builder()
      .name("narthex_compactor_oldest_uncompacted_block_age_seconds")
      .help("Time since the upload of the oldest live level-1 block that a larger range will still compact, over "
          + "the tenants this compactor owns; 0 when none.")
      .callback(callback -> {
        double age = 0;
        for (Compactor c : LIVE_COMPACTORS) {
          age = Math.max(age, c.oldestUncompactedBlockAgeSeconds());
        }
        callback.call(age);
      })
      .register();
  static final GaugeWithCallback TENANTS_OWNED = GaugeWithCallback.builder()
      .name("narthex_compactor_tenants_owned")
      .help("Tenants this compactor owns by the ring, as of its last pass.")
      .callback(callback -> {
        long tenants = 0;
        for (Compactor c : LIVE_COMPACTORS) {
          tenants += c.tenantsOwned();
        }
        callback.call(tenants);
      })
      .register();

  private CompactorMetrics() {}
}
