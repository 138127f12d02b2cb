package io.narthex.ingester;

import java.time.Duration;

/**
 * Bounds on the metric metadata a shard keeps per tenant ({@link ShardMetadata}). Every replica of a shard must run
 * with the same values, since they decide which entries of the log are stored.
 *
 * @param maxPerUser most metric families with metadata per tenant on this shard, 0 for no limit
 * @param maxPerMetric most distinct metadata (type, help, unit) per family, 0 for no limit
 * @param retainPeriod metadata not sent again for this long is forgotten ({@code -ingester.metadata-retain-period},
 *     Mimir's, 10m); zero never forgets it by time
 */
public record MetadataLimits(int maxPerUser, int maxPerMetric, Duration retainPeriod) {
  /** Mimir's defaults: no count limits, forgotten after 10 minutes without a refresh. */
  public static final MetadataLimits DEFAULT = new MetadataLimits(0, 0, Duration.ofMinutes(10));

  public MetadataLimits {
    if (maxPerUser < 0 || maxPerMetric < 0) {
      throw new IllegalArgumentException("metadata limits must not be negative: per user " + maxPerUser
          + ", per metric " + maxPerMetric);
    }
    if (retainPeriod.isNegative()) {
      throw new IllegalArgumentException("metadata retain period must not be negative: " + retainPeriod);
    }
  }

  /**
   * This shard's share of cluster-wide limits ({@code -ingester.max-global-metadata-per-user} and
   * {@code -ingester.max-global-metadata-per-metric}): each family lives on one shard, so the per-metric limit
   * applies as it is; the per-user limit is split evenly over the shards, rounded up, as Mimir splits it over its
   * ingesters.
   */
  public MetadataLimits forShards(int shardCount) {
    int perUser = maxPerUser == 0 ? 0 : (int) ((maxPerUser + (long) shardCount - 1) / shardCount);
    return new MetadataLimits(perUser, maxPerMetric, retainPeriod);
  }
}
