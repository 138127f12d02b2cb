package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Labels;
import java.util.List;

/**
 * One stored series: its labels and its encoded chunks, sorted by time and not overlapping, as heads and blocks
 * hand them out. Holds no window; read its samples in one with {@link WindowedSeries}.
 */
public record EncodedSeries(Labels labels, List<EncodedChunk> chunks) {
  public EncodedSeries {
    chunks = List.copyOf(chunks);
  }
}
