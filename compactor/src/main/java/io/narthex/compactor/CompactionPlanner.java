package io.narthex.compactor;

import io.narthex.blocks.BucketIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Plans one range of a tenant's compaction, as Mimir's split-and-merge planner without the splitting: blocks are
 * put in windows aligned to the range ({@code [floor(minTime / range) * range, + range)}); a block belongs to a
 * window only if it lies entirely within it, so blocks longer than the range, or crossing a window's edge, wait for
 * a larger range. A window is compacted when it holds at least two blocks and is complete: it ends at or before the
 * end of the tenant's newest block. Several blocks of one window may overlap (one per ingester shard for the same
 * 2h range, or a late block): they are merged, the vertical compaction.
 *
 * <p>Level-1 blocks uploaded less than {@code firstLevelCompactionWaitPeriod} ago hold back their whole window, so
 * that the other shards' blocks of that range get in the same compaction.
 */
final class CompactionPlanner {
  private final Duration firstLevelCompactionWaitPeriod;

  CompactionPlanner(Duration firstLevelCompactionWaitPeriod) {
    this.firstLevelCompactionWaitPeriod = firstLevelCompactionWaitPeriod;
  }

  /**
   * Blocks to compact together.
   *
   * @param rangeMs the window size, 0 for a group of one block rewritten alone
   * @param windowStartMs the aligned window start (the block's minTime for a rewrite)
   * @param blocks sorted by ULID
   */
  record Group(long rangeMs, long windowStartMs, List<BucketIndex.Block> blocks) {
    Group {
      blocks = blocks.stream().sorted(Comparator.comparing(BucketIndex.Block::blockId)).toList();
    }

    long minTimeMs() {
      long min = Long.MAX_VALUE;
      for (BucketIndex.Block b : blocks) {
        min = Math.min(min, b.minTimeMs());
      }
      return min;
    }

    long maxTimeMs() {
      long max = Long.MIN_VALUE;
      for (BucketIndex.Block b : blocks) {
        max = Math.max(max, b.maxTimeMs());
      }
      return max;
    }

    /** A readable, stable key for logs and scratch directories: {@code <range ms>@<window start ms>}. */
    String key() {
      return rangeMs + "@" + windowStartMs;
    }
  }

  /**
   * @param ready groups to compact now, windows in time order
   * @param waiting windows of at least two blocks held back by a block too recently uploaded, or not complete yet
   */
  record Plan(List<Group> ready, int waiting) {}

  /**
   * Plans range {@code rangeMs} over the tenant's blocks.
   *
   * @param blocks the tenant's live blocks (not marked for deletion), those marked no-compact included: they set
   *     the newest block's end but are never put in a group
   * @param noCompact ids of blocks marked no-compact
   */
  Plan plan(List<BucketIndex.Block> blocks, Set<String> noCompact, long rangeMs, Instant now) {
    long newestMaxTimeMs = Long.MIN_VALUE;
    for (BucketIndex.Block b : blocks) {
      newestMaxTimeMs = Math.max(newestMaxTimeMs, b.maxTimeMs());
    }
    TreeMap<Long, List<BucketIndex.Block>> windows = new TreeMap<>();
    for (BucketIndex.Block b : blocks) {
      if (noCompact.contains(b.blockId())) {
        continue;
      }
      long start = Math.floorDiv(b.minTimeMs(), rangeMs) * rangeMs;
      if (b.maxTimeMs() <= start + rangeMs) {
        windows.computeIfAbsent(start, s -> new ArrayList<>()).add(b);
      }
    }
    List<Group> ready = new ArrayList<>();
    int waiting = 0;
    for (var window : windows.entrySet()) {
      List<BucketIndex.Block> members = window.getValue();
      if (members.size() < 2) {
        continue;
      }
      if (window.getKey() + rangeMs > newestMaxTimeMs || members.stream().anyMatch(b -> tooFresh(b, now))) {
        waiting++;
        continue;
      }
      ready.add(new Group(rangeMs, window.getKey(), members));
    }
    return new Plan(ready, waiting);
  }

  /** Whether a level-1 block was uploaded less than the first-level wait period ago. */
  boolean tooFresh(BucketIndex.Block block, Instant now) {
    return block.compactionLevel() <= 1
        && Instant.ofEpochSecond(block.uploadedAtSeconds()).plus(firstLevelCompactionWaitPeriod).isAfter(now);
  }
}
