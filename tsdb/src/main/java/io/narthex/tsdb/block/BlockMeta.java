package io.narthex.tsdb.block;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link BlockWriter} wrote: the block's ULID and directory, its time range {@code [minTimeMs, maxTimeMs)}
 * (exclusive end, as Prometheus's meta.json), its stats and the Thanos external labels.
 */
public record BlockMeta(
    String ulid,
    Path dir,
    long minTimeMs,
    long maxTimeMs,
    long numSamples,
    long numSeries,
    long numChunks,
    Map<String, String> externalLabels) {
  public BlockMeta {
    externalLabels = Map.copyOf(externalLabels);
  }
}
