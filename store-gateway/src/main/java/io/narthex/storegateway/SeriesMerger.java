package io.narthex.storegateway;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the series of several sources (blocks of one gateway, or gateways' answers) into one list sorted by
 * labels, with one entry per label set holding all its chunks sorted by start time. Chunks of overlapping sources may
 * overlap; the querier merges those.
 */
public final class SeriesMerger {
  private SeriesMerger() {}

  /** The series of every source, merged by label set and sorted by labels. */
  public static List<EncodedSeries> merge(List<List<EncodedSeries>> sources) {
    Map<Labels, List<EncodedChunk>> merged = new TreeMap<>();
    for (List<EncodedSeries> series : sources) {
      for (EncodedSeries s : series) {
        merged.computeIfAbsent(s.labels(), l -> new ArrayList<>()).addAll(s.chunks());
      }
    }
    List<EncodedSeries> out = new ArrayList<>(merged.size());
    for (Map.Entry<Labels, List<EncodedChunk>> entry : merged.entrySet()) {
      List<EncodedChunk> chunks = entry.getValue();
      chunks.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
      out.add(new EncodedSeries(entry.getKey(), chunks));
    }
    return out;
  }
}
