package io.narthex.ingester.raft;

import io.narthex.ingester.MetadataLimits;
import java.time.Duration;

/**
 * How a node's shards take entries.
 *
 * @param heapWatermark leaders refuse pushes while it is exceeded
 * @param outOfOrderTimeWindow how far behind a tenant's newest sample a sample older than its series' newest is
 *     still stored ({@code -ingester.out-of-order-time-window}); zero for none. It decides what entries store, so
 *     every replica of a shard must have the same
 * @param metadataLimits cluster-wide bounds on each tenant's metric metadata ({@code
 *     -ingester.max-global-metadata-per-user}, {@code -ingester.max-global-metadata-per-metric},
 *     {@code -ingester.metadata-retain-period}); each shard keeps its share ({@link MetadataLimits#forShards}).
 *     They decide what entries store, so every replica of a shard must have the same
 */
public record ApplyOptions(HeapWatermark heapWatermark, Duration outOfOrderTimeWindow,
    MetadataLimits metadataLimits) {
  public static final ApplyOptions DEFAULT = new ApplyOptions(HeapWatermark.NONE, Duration.ZERO);

  public ApplyOptions {
    if (outOfOrderTimeWindow.isNegative()) {
      throw new IllegalArgumentException("out-of-order time window must not be negative: " + outOfOrderTimeWindow);
    }
  }

  /** Options with Mimir's default metadata limits ({@link MetadataLimits#DEFAULT}). */
  public ApplyOptions(HeapWatermark heapWatermark, Duration outOfOrderTimeWindow) {
    this(heapWatermark, outOfOrderTimeWindow, MetadataLimits.DEFAULT);
  }
}
