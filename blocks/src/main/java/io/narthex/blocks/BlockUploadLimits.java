package io.narthex.blocks;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-tenant limits of the block upload API (Mimir's {@code limits:} section), each overridable per tenant in the
 * runtime config file.
 *
 * @param enabled whether the tenant may upload blocks ({@code compactor_block_upload_enabled},
 *     {@code -compactor.block-upload-enabled}, default false as Mimir's)
 * @param maxBlockSizeBytes largest block accepted, all files summed, 0 for no limit
 *     ({@code compactor_block_upload_max_block_size_bytes}, {@code -compactor.block-upload-max-block-size-bytes});
 *     Mimir defaults to 0, we to {@link #DEFAULT_MAX_BLOCK_SIZE_BYTES}
 * @param maxLabelNamesPerSeries most labels a series of an uploaded block may have, 0 for no limit
 *     ({@code max_label_names_per_series}, {@code -validation.max-label-names-per-series}, default 30)
 * @param creationGracePeriod how far past now a block's maxTime may reach ({@code creation_grace_period},
 *     {@code -validation.create-grace-period}, default 10m); Mimir allows none for uploads
 */
public record BlockUploadLimits(
    boolean enabled, long maxBlockSizeBytes, int maxLabelNamesPerSeries, Duration creationGracePeriod) {
  /**
   * 10 GiB: finish copies the whole block to the local scratch directory to validate it, so an unbounded block can
   * fill that disk; a day of half a million series scraped every 15 s fits.
   */
  public static final long DEFAULT_MAX_BLOCK_SIZE_BYTES = 10L << 30;
  /** Uploads disabled, as Mimir's default; the other limits at their defaults. */
  public static final BlockUploadLimits DEFAULTS =
      new BlockUploadLimits(false, DEFAULT_MAX_BLOCK_SIZE_BYTES, 30, Duration.ofMinutes(10));

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

  /** These limits with uploads enabled or not. */
  public BlockUploadLimits withEnabled(boolean uploadsEnabled) {
    return new BlockUploadLimits(uploadsEnabled, maxBlockSizeBytes, maxLabelNamesPerSeries, creationGracePeriod);
  }

  /** These limits with another maximum block size (0: none). */
  public BlockUploadLimits withMaxBlockSizeBytes(long maxBytes) {
    return new BlockUploadLimits(enabled, maxBytes, maxLabelNamesPerSeries, creationGracePeriod);
  }
}
