package io.narthex.tsdb.block;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link BlockWriter} wrote: the block's ULID and directory, its time range {@code [minTimeMs, maxTimeMs)}
 * (exclusive end, as Prometheus's meta.json), its stats, the Thanos external labels and meta.json's compaction
 * section.
 */
public record BlockMeta(
    String ulid,
    Path dir,
    long minTimeMs,
    long maxTimeMs,
    long numSamples,
    long numSeries,
    long numChunks,
    Map<String, String> externalLabels,
    BlockMetaFile.Compaction compaction) {
  public BlockMeta {
    externalLabels = Map.copyOf(externalLabels);
    if (compaction == null) {
      compaction = new BlockMetaFile.Compaction(1, List.of(ulid));
    }
  }

  /** A level-1 block: its own ULID as the only source, no parents. */
  public BlockMeta(String ulid, Path dir, long minTimeMs, long maxTimeMs, long numSamples, long numSeries,
      long numChunks, Map<String, String> externalLabels) {
    this(ulid, dir, minTimeMs, maxTimeMs, numSamples, numSeries, numChunks, externalLabels, null);
  }
}
