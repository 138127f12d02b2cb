package io.narthex.compactor;

import java.time.Duration;

/**
 * What one compaction pass did, over the tenants this compactor owns.
 *
 * @param tenantsOwned tenants the ring gave this compactor
 * @param tenantsLeasedElsewhere owned tenants left alone because another compactor held their lease
 *     ({@link TenantLease})
 * @param tenantsDeleted tenants whose deletion mark was found and whose objects were all deleted
 * @param groupsCompacted groups compacted into a new block (rewrites of a single block included)
 * @param blocksCompacted source blocks of those groups
 * @param blocksMarkedForDeletion by compaction, retention and redundancy
 * @param blocksMarkedForNoCompaction blocks found unreadable or invalid in this pass
 * @param blocksDeleted marked blocks past the deletion delay, partial blocks, and deleted tenants' blocks
 * @param backlogGroups groups ready to compact that this pass left undone
 * @param failures tenants or groups that failed and will be retried by the next pass
 * @param samplesCompacted samples written to the new blocks
 * @param conflictingSamples samples dropped because another block had another value at their timestamp
 * @param compactionTime time spent compacting groups (download to upload and marks)
 */
public record PassResult(
    int tenantsOwned,
    int tenantsLeasedElsewhere,
    int tenantsDeleted,
    int groupsCompacted,
    int blocksCompacted,
    int blocksMarkedForDeletion,
    int blocksMarkedForNoCompaction,
    int blocksDeleted,
    int backlogGroups,
    int failures,
    long samplesCompacted,
    long conflictingSamples,
    Duration compactionTime) {

  /** Compaction throughput: samples written per second spent compacting; 0 when nothing was compacted. */
  public double samplesPerSecond() {
    double seconds = compactionTime.toNanos() / 1e9;
    return seconds <= 0 ? 0 : samplesCompacted / seconds;
  }

  /** Whether the pass finished without failures. */
  public boolean succeeded() {
    return failures == 0;
  }
}
