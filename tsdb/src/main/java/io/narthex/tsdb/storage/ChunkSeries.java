package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Labels;
import java.util.List;

/** A series as its encoded chunks, sorted by time and not overlapping. */
public record ChunkSeries(Labels labels, List<EncodedChunk> chunks) {
  public ChunkSeries {
    chunks = List.copyOf(chunks);
  }
}
