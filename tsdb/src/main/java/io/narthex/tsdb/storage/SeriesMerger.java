package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the series of several sources (blocks of one gateway, gateways' answers, an ingester's local blocks and
 * head) into one list sorted by labels, with one entry per label set holding all its chunks sorted by start time.
 * Chunks of overlapping sources may overlap; the caller merges those.
 */
public final class SeriesMerger {
  private SeriesMerger() {}

  /**
   * The series of every source, merged by label set and sorted by labels. Sources sorted by labels (a block's
   * series, a gateway's answer) are merged pairwise ({@link SortedSeriesMerge}); a source that is not (a block
   * whose index sorts by UTF-8 bytes where Java's order of UTF-16 differs) sends all through a map instead.
   */
  public static List<EncodedSeries> merge(List<List<EncodedSeries>> sources) {
    boolean sorted = true;
    for (List<EncodedSeries> source : sources) {
      sorted &= SortedSeriesMerge.isSorted(source);
    }
    if (sorted) {
      List<EncodedSeries> merged = SortedSeriesMerge.merge(sources);
      List<EncodedSeries> out = new ArrayList<>(merged.size());
      for (EncodedSeries series : merged) {
        out.add(byMinTime(series));
      }
      return out;
    }
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

  /** The series with its chunks sorted by start time: itself when they already are. */
  private static EncodedSeries byMinTime(EncodedSeries series) {
    List<EncodedChunk> chunks = series.chunks();
    for (int i = 1; i < chunks.size(); i++) {
      if (chunks.get(i).minTimeMs() < chunks.get(i - 1).minTimeMs()) {
        List<EncodedChunk> sorted = new ArrayList<>(chunks);
        sorted.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
        return new EncodedSeries(series.labels(), sorted);
      }
    }
    return series;
  }
}
