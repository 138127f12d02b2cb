package io.narthex.tsdb.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Merges lists of series that are each sorted by labels with no label set twice (what a querier's chunk sources, a
 * head, an ingester shard and a block hand out) into one such list; a label set in several lists gets their chunks, in list
 * order. Pairwise merges, as Prometheus's merge querier walks sorted series sets: about {@code n log2(k)} label
 * comparisons for {@code n} series in {@code k} lists, none for one list, where inserting each series into a
 * {@code TreeMap} took about {@code n log2(n)}.
 */
public final class SortedSeriesMerge {
  private SortedSeriesMerge() {}

  /** The merged series, sorted by labels; {@code parts} themselves are not changed. */
  public static List<EncodedSeries> merge(List<List<EncodedSeries>> parts) {
    if (parts.isEmpty()) {
      return List.of();
    }
    List<List<EncodedSeries>> round = parts;
    while (round.size() > 1) {
      List<List<EncodedSeries>> next = new ArrayList<>((round.size() + 1) / 2);
      for (int i = 0; i < round.size(); i += 2) {
        next.add(i + 1 < round.size() ? mergeTwo(round.get(i), round.get(i + 1)) : round.get(i));
      }
      round = next;
    }
    return round.getFirst();
  }

  /**
   * Whether {@code series} is sorted by labels with no label set twice, as {@link #merge} wants. Neighbours differ
   * early in their labels, so this costs far less than the merge's comparisons of equal label sets.
   */
  public static boolean isSorted(List<EncodedSeries> series) {
    for (int i = 1; i < series.size(); i++) {
      if (series.get(i - 1).labels().compareTo(series.get(i).labels()) >= 0) {
        return false;
      }
    }
    return true;
  }

  private static List<EncodedSeries> mergeTwo(List<EncodedSeries> a, List<EncodedSeries> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    List<EncodedSeries> out = new ArrayList<>(a.size() + b.size());
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      EncodedSeries left = a.get(i);
      EncodedSeries right = b.get(j);
      int cmp = left.labels().compareTo(right.labels());
      if (cmp < 0) {
        out.add(left);
        i++;
      } else if (cmp > 0) {
        out.add(right);
        j++;
      } else {
        List<EncodedChunk> chunks = new ArrayList<>(left.chunks().size() + right.chunks().size());
        chunks.addAll(left.chunks());
        chunks.addAll(right.chunks());
        out.add(new EncodedSeries(left.labels(), chunks));
        i++;
        j++;
      }
    }
    out.addAll(a.subList(i, a.size()));
    out.addAll(b.subList(j, b.size()));
    return out;
  }
}
