package io.narthex.querier;

import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.SelectHints;
import java.util.List;

/** A real in-memory head as an ingester source, so that tests read through MergingQueryable and its limits. */
final class HeadChunkSource implements ChunkSource {
  final Head head = new Head();

  /** Appends samples to a series: alternating timestamps (ms) and values. */
  HeadChunkSource add(Labels labels, double... timestampsAndValues) {
    var series = head.getOrCreate(labels);
    for (int i = 0; i < timestampsAndValues.length; i += 2) {
      head.append(series, (long) timestampsAndValues[i], timestampsAndValues[i + 1]);
    }
    return this;
  }

  @Override
  public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
    return head.selectChunks(startMs, endMs, matchers);
  }

  @Override
  public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
      return querier.labelNames(matchers);
    }
  }

  @Override
  public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
      return querier.labelValues(name, matchers);
    }
  }
}
