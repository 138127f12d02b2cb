package io.narthex.blocks;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-tenant limits of the block upload API (Mimir's {@code limits:} section).
 *
 * @param enabled whether tenants may upload blocks ({@code compactor_block_upload_enabled},
 *     {@code -compactor.block-upload-enabled}); Mimir defaults to false, we to true
 * @param maxBlockSizeBytes largest block accepted, all files summed, 0 for no limit
 *     ({@code compactor_block_upload_max_block_size_bytes})
 * @param maxLabelNamesPerSeries most labels a series of an uploaded block may have, 0 for no limit
 *     ({@code max_label_names_per_series}, {@code -validation.max-label-names-per-series}, default 30)
 * @param creationGracePeriod how far past now a block's maxTime may reach ({@code creation_grace_period},
 *     {@code -validation.create-grace-period}, default 10m); Mimir allows none for uploads
 */
public record BlockUploadLimits(
    boolean enabled, long maxBlockSizeBytes, int maxLabelNamesPerSeries, Duration creationGracePeriod) {
  public static final BlockUploadLimits DEFAULTS = new BlockUploadLimits(true, 0, 30, Duration.ofMinutes(10));

  /** @throws IllegalArgumentException on a negative limit */
  public BlockUploadLimits {
    if (maxBlockSizeBytes < 0) {
      throw new IllegalArgumentException("maxBlockSizeBytes must be >= 0, got " + maxBlockSizeBytes);
    }
    if (maxLabelNamesPerSeries < 0) {
      throw new IllegalArgumentException("maxLabelNamesPerSeries must be >= 0, got " + maxLabelNamesPerSeries);
    }
    Objects.requireNonNull(creationGracePeriod, "creationGracePeriod");
    if (creationGracePeriod.isNegative()) {
      throw new IllegalArgumentException("creationGracePeriod must be >= 0, got " + creationGracePeriod);
    }
  }
}
