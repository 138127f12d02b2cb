package io.narthex.querier;

import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.SelectHints;
import java.util.List;

/**
 * One tenant's series as chunks from one kind of store: the ingesters, or the blocks behind the store-gateways.
 * Failures are {@link io.narthex.tsdb.storage.StorageException}s; a source never answers partially.
 */
public interface ChunkSource {
  /**
   * Series matching every matcher with chunks overlapping {@code [startMs, endMs]}, sorted by labels. Chunks are
   * whole (they may hold samples outside the range) and may overlap each other.
   */
  List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers);

  List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers);

  List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers);
}
