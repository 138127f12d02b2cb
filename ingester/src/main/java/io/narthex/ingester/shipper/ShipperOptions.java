package io.narthex.ingester.shipper;

import java.time.Duration;

/**
 * When the shard leader cuts and ships blocks.
 *
 * @param blockRange {@code -blocks-storage.tsdb.block-ranges-period}: blocks cover aligned ranges of this length
 * @param gracePeriod a range is cut once it ended this long ago, so late in-order samples still make it
 * @param retention {@code -blocks-storage.tsdb.retention-period}: shipped data stays in the heads this long after
 *     its upload, so ingesters keep answering for it while store-gateways and queriers discover the new block
 * @param interval {@code -blocks-storage.tsdb.head-compaction-interval}: how often the leader checks
 */
public record ShipperOptions(Duration blockRange, Duration gracePeriod, Duration retention, Duration interval) {
  public ShipperOptions {
    if (blockRange.isNegative() || blockRange.isZero()) {
      throw new IllegalArgumentException("block range must be positive, got " + blockRange);
    }
    if (gracePeriod.isNegative() || retention.isNegative()) {
      throw new IllegalArgumentException("grace period and retention must not be negative");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("shipper interval must be positive, got " + interval);
    }
  }
}
