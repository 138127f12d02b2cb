package io.narthex.ingester.shipper;

import java.time.Duration;

/**
 * When the shard leader cuts and ships blocks.
 *
 * @param blockRange {@code -blocks-storage.tsdb.block-ranges-period}: blocks cover aligned ranges of this length; a
 *     tenant's oldest range is cut once its head spans more than 1.5 of them (by sample time, as Prometheus)
 * @param headCompactionIdleTimeout {@code -blocks-storage.tsdb.head-compaction-idle-timeout}: a tenant's head that
 *     took no sample for this long (plus up to 25% jitter, wall clock) is cut whole, as Mimir's; zero for never
 * @param retention {@code -blocks-storage.tsdb.retention-period}: shipped data stays in the heads this long after
 *     its upload, so ingesters keep answering for it while store-gateways and queriers discover the new block
 * @param interval {@code -blocks-storage.tsdb.ship-interval}: how often the leader checks
 */
public record ShipperOptions(Duration blockRange, Duration headCompactionIdleTimeout, Duration retention,
    Duration interval) {
  public ShipperOptions {
    if (blockRange.isNegative() || blockRange.isZero()) {
      throw new IllegalArgumentException("block range must be positive, got " + blockRange);
    }
    if (headCompactionIdleTimeout.isNegative() || retention.isNegative()) {
      throw new IllegalArgumentException("head compaction idle timeout and retention must not be negative");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("shipper interval must be positive, got " + interval);
    }
  }
}
