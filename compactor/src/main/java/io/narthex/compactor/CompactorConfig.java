package io.narthex.compactor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Settings of a compactor. Each option names the Mimir flag it mirrors:
 *
 * <ul>
 *   <li>{@code blockRanges}: the ranges blocks are compacted into, ascending, each a multiple of the previous
 *       ({@code -compactor.block-ranges}, default 2h,12h,24h). The first is the ingesters' block range: blocks of
 *       one such window (one per ingester shard) are merged at that range, the vertical compaction.
 *   <li>{@code compactionInterval}: time between passes ({@code -compactor.compaction-interval}, default 1h).
 *   <li>{@code deletionDelay}: a block marked for deletion is deleted this long after its mark, so that queriers
 *       and store-gateways stop using it first ({@code -compactor.deletion-delay}, default 12h).
 *   <li>{@code firstLevelCompactionWaitPeriod}: level-1 blocks uploaded less than this long ago are not compacted
 *       yet, waiting for the other shards' blocks of their range
 *       ({@code -compactor.first-level-compaction-wait-period}, default 25m).
 *   <li>{@code partialBlockDeletionDelay}: a block directory without meta.json whose newest object is older than
 *       this is an abandoned upload and is deleted ({@code -compactor.partial-block-deletion-delay}, default 1d; 0
 *       never deletes one, as in Mimir).
 *   <li>{@code blocksRetentionPeriod}: blocks whose whole range is older than this are deleted; zero keeps them
 *       forever ({@code -compactor.blocks-retention-period}, default 0).
 *   <li>{@code retentionByTenant}: per-tenant override of the retention (Mimir's runtime-config
 *       {@code compactor_blocks_retention_period}); returns null for tenants without one. Called every pass.
 *   <li>{@code dataDir}: local scratch space for the blocks being compacted ({@code -compactor.data-dir}).
 *   <li>{@code instanceId}: this compactor's id in the ring ({@code -compactor.ring.instance-id}, Mimir's name).
 *   <li>{@code compactorIds}: every compactor of the static ring, this one included; each tenant is compacted by
 *       the one compactor the ring gives it.
 *   <li>{@code pauseAfterUpload}: testing only; sleeps this long between the upload of a compacted block and the
 *       deletion marks of its sources, so a test can kill the compactor there. Zero in production.
 * </ul>
 */
public record CompactorConfig(
    List<Duration> blockRanges,
    Duration compactionInterval,
    Duration deletionDelay,
    Duration firstLevelCompactionWaitPeriod,
    Duration partialBlockDeletionDelay,
    Duration blocksRetentionPeriod,
    Function<String, Duration> retentionByTenant,
    Path dataDir,
    String instanceId,
    List<String> compactorIds,
    Duration pauseAfterUpload) {

  public static final String FLAG_BLOCK_RANGES = "compactor.block-ranges";
  public static final String FLAG_COMPACTION_INTERVAL = "compactor.compaction-interval";
  public static final String FLAG_DELETION_DELAY = "compactor.deletion-delay";
  public static final String FLAG_FIRST_LEVEL_COMPACTION_WAIT_PERIOD = "compactor.first-level-compaction-wait-period";
  public static final String FLAG_PARTIAL_BLOCK_DELETION_DELAY = "compactor.partial-block-deletion-delay";
  public static final String FLAG_BLOCKS_RETENTION_PERIOD = "compactor.blocks-retention-period";
  public static final String FLAG_DATA_DIR = "compactor.data-dir";
  public static final String FLAG_INSTANCE_ID = "compactor.ring.instance-id";

  public static final List<Duration> DEFAULT_BLOCK_RANGES =
      List.of(Duration.ofHours(2), Duration.ofHours(12), Duration.ofHours(24));
  public static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofHours(1);
  public static final Duration DEFAULT_DELETION_DELAY = Duration.ofHours(12);
  public static final Duration DEFAULT_FIRST_LEVEL_COMPACTION_WAIT_PERIOD = Duration.ofMinutes(25);
  public static final Duration DEFAULT_PARTIAL_BLOCK_DELETION_DELAY = Duration.ofDays(1);
  public static final Duration DEFAULT_BLOCKS_RETENTION_PERIOD = Duration.ZERO;
  public static final String DEFAULT_INSTANCE_ID = "compactor-0";

  public CompactorConfig {
    blockRanges = List.copyOf(Objects.requireNonNull(blockRanges, FLAG_BLOCK_RANGES));
    if (blockRanges.isEmpty()) {
      throw new IllegalArgumentException(FLAG_BLOCK_RANGES + " must list at least one range");
    }
    for (int i = 0; i < blockRanges.size(); i++) {
      Duration range = blockRanges.get(i);
      if (range.isNegative() || range.isZero() || range.toMillis() * 1_000_000 != range.toNanos()) {
        throw new IllegalArgumentException(FLAG_BLOCK_RANGES + " must be positive whole milliseconds, got " + range);
      }
      if (i > 0 && range.toMillis() % blockRanges.get(i - 1).toMillis() != 0) {
        throw new IllegalArgumentException(FLAG_BLOCK_RANGES
            + " must be ascending, each a multiple of the previous, got " + blockRanges);
      }
      if (i > 0 && range.equals(blockRanges.get(i - 1))) {
        throw new IllegalArgumentException(FLAG_BLOCK_RANGES + " lists " + range + " twice");
      }
    }
    requirePositive(compactionInterval, FLAG_COMPACTION_INTERVAL);
    requireNotNegative(deletionDelay, FLAG_DELETION_DELAY);
    requireNotNegative(firstLevelCompactionWaitPeriod, FLAG_FIRST_LEVEL_COMPACTION_WAIT_PERIOD);
    requireNotNegative(partialBlockDeletionDelay, FLAG_PARTIAL_BLOCK_DELETION_DELAY);
    requireNotNegative(blocksRetentionPeriod, FLAG_BLOCKS_RETENTION_PERIOD);
    if (retentionByTenant == null) {
      retentionByTenant = tenant -> null;
    }
    Objects.requireNonNull(dataDir, FLAG_DATA_DIR);
    if (instanceId == null || instanceId.isBlank()) {
      throw new IllegalArgumentException(FLAG_INSTANCE_ID + " must be set");
    }
    compactorIds = List.copyOf(compactorIds);
    if (!compactorIds.contains(instanceId)) {
      throw new IllegalArgumentException("the compactor ids " + compactorIds + " must include this compactor's id "
          + instanceId);
    }
    if (new HashSet<>(compactorIds).size() != compactorIds.size()) {
      throw new IllegalArgumentException("duplicate compactor ids in " + compactorIds);
    }
    requireNotNegative(pauseAfterUpload, "pauseAfterUpload");
  }

  /** A single compactor with every default, keeping its scratch files under {@code dataDir}. */
  public static CompactorConfig defaults(Path dataDir) {
    return new CompactorConfig(DEFAULT_BLOCK_RANGES, DEFAULT_COMPACTION_INTERVAL, DEFAULT_DELETION_DELAY,
        DEFAULT_FIRST_LEVEL_COMPACTION_WAIT_PERIOD, DEFAULT_PARTIAL_BLOCK_DELETION_DELAY,
        DEFAULT_BLOCKS_RETENTION_PERIOD, null, dataDir, DEFAULT_INSTANCE_ID, List.of(DEFAULT_INSTANCE_ID),
        Duration.ZERO);
  }

  /** Parses {@code -compactor.block-ranges}: comma-separated Go durations such as {@code 2h0m0s,12h,24h}. */
  public static List<Duration> parseBlockRanges(String value) {
    List<Duration> ranges = new ArrayList<>();
    for (String part : value.split(",")) {
      ranges.add(parseGoDuration(part.trim()));
    }
    return ranges;
  }

  /** This config with other block ranges. */
  public CompactorConfig withBlockRanges(List<Duration> ranges) {
    return new CompactorConfig(ranges, compactionInterval, deletionDelay, firstLevelCompactionWaitPeriod,
        partialBlockDeletionDelay, blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds,
        pauseAfterUpload);
  }

  /** This config with another compaction interval. */
  public CompactorConfig withCompactionInterval(Duration interval) {
    return new CompactorConfig(blockRanges, interval, deletionDelay, firstLevelCompactionWaitPeriod,
        partialBlockDeletionDelay, blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds,
        pauseAfterUpload);
  }

  /** This config with other deletion delays: of marked blocks and of partial blocks. */
  public CompactorConfig withDeletionDelays(Duration deletion, Duration partialBlockDeletion) {
    return new CompactorConfig(blockRanges, compactionInterval, deletion, firstLevelCompactionWaitPeriod,
        partialBlockDeletion, blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds,
        pauseAfterUpload);
  }

  /** This config with another first-level compaction wait period. */
  public CompactorConfig withFirstLevelCompactionWaitPeriod(Duration wait) {
    return new CompactorConfig(blockRanges, compactionInterval, deletionDelay, wait, partialBlockDeletionDelay,
        blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds, pauseAfterUpload);
  }

  /** This config with another default retention and per-tenant overrides (null: none). */
  public CompactorConfig withRetention(Duration retention, Function<String, Duration> byTenant) {
    return new CompactorConfig(blockRanges, compactionInterval, deletionDelay, firstLevelCompactionWaitPeriod,
        partialBlockDeletionDelay, retention, byTenant, dataDir, instanceId, compactorIds, pauseAfterUpload);
  }

  /** This config as compactor {@code instanceId} of the ring {@code compactorIds}. */
  public CompactorConfig withRing(String instanceId, List<String> compactorIds) {
    return new CompactorConfig(blockRanges, compactionInterval, deletionDelay, firstLevelCompactionWaitPeriod,
        partialBlockDeletionDelay, blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds,
        pauseAfterUpload);
  }

  /** This config with a pause between a compacted block's upload and its sources' deletion marks (tests). */
  public CompactorConfig withPauseAfterUpload(Duration pause) {
    return new CompactorConfig(blockRanges, compactionInterval, deletionDelay, firstLevelCompactionWaitPeriod,
        partialBlockDeletionDelay, blocksRetentionPeriod, retentionByTenant, dataDir, instanceId, compactorIds,
        pause);
  }

  /** The tenant's retention: its override, else {@link #blocksRetentionPeriod}; zero keeps blocks forever. */
  public Duration retention(String tenant) {
    Duration override = retentionByTenant.apply(tenant);
    return override != null && !override.isNegative() ? override : blocksRetentionPeriod;
  }

  /** Go's {@code time.ParseDuration} for the units a block range uses: h, m, s, ms, concatenated ("2h30m"). */
  static Duration parseGoDuration(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Duration total = Duration.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)))) {
        i++;
      }
      if (start == i) {
        throw new IllegalArgumentException("invalid duration " + s);
      }
      long n = Long.parseLong(s.substring(start, i));
      int unitStart = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      total = total.plus(switch (s.substring(unitStart, i)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        case "s" -> Duration.ofSeconds(n);
        case "ms" -> Duration.ofMillis(n);
        case "d" -> Duration.ofDays(n);
        default -> throw new IllegalArgumentException("invalid duration " + s + ": unknown unit");
      });
    }
    return total;
  }

  private static void requirePositive(Duration duration, String flag) {
    Objects.requireNonNull(duration, flag);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive, got " + duration);
    }
  }

  private static void requireNotNegative(Duration duration, String flag) {
    Objects.requireNonNull(duration, flag);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(flag + " must be >= 0, got " + duration);
    }
  }
}
