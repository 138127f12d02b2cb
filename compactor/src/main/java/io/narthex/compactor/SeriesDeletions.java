package io.narthex.compactor;

import io.narthex.tsdb.storage.EncodedSeries;
import java.util.Set;

/**
 * A tenant's deletion requests ({@code delete_series} tombstones) as one compaction pass applies them. Each block
 * records in meta.json the requests applied to it, so a block is rewritten once per request and never again.
 */
public interface SeriesDeletions {
  /** No deletion requests. */
  SeriesDeletions NONE = new SeriesDeletions() {
    @Override
    public Set<String> overlapping(long minTimeMs, long maxTimeMs) {
      return Set.of();
    }

    @Override
    public EncodedSeries apply(EncodedSeries series) {
      return series;
    }
  };

  /** The ids of the requests that may delete samples in {@code [minTimeMs, maxTimeMs)}. */
  Set<String> overlapping(long minTimeMs, long maxTimeMs);

  /** The series without its deleted samples (the same object when none is deleted), or null when none is left. */
  EncodedSeries apply(EncodedSeries series);
}
