package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SortedSeriesMergeTest {
  private static final byte[] NO_DATA = new byte[2]; // an empty chunk: its 2-byte sample count, 0

  @Test
  void mergesSortedListsAsATreeMapByLabelsWouldWithChunksInListOrder() {
    Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      int lists = 1 + random.nextInt(6);
      List<List<EncodedSeries>> parts = new ArrayList<>();
      Map<Labels, List<EncodedChunk>> expected = new TreeMap<>();
      for (int list = 0; list < lists; list++) {
        // Each list: distinct label sets, sorted, drawn from a small space so that lists share some.
        TreeMap<Labels, List<EncodedChunk>> part = new TreeMap<>();
        int size = random.nextInt(30);
        for (int i = 0; i < size; i++) {
          Labels labels = Labels.of("__name__", "m" + random.nextInt(3), "job", "j" + random.nextInt(4),
              "instance", "i" + random.nextInt(5));
          part.putIfAbsent(labels, List.of(new EncodedChunk(list, list, NO_DATA)));
        }
        List<EncodedSeries> sorted = new ArrayList<>();
        part.forEach((labels, chunks) -> sorted.add(new EncodedSeries(labels, chunks)));
        parts.add(sorted);
        part.forEach((labels, chunks) -> expected.computeIfAbsent(labels, l -> new ArrayList<>()).addAll(chunks));
      }

      List<EncodedSeries> merged = SortedSeriesMerge.merge(parts);

      List<EncodedSeries> want = new ArrayList<>();
      expected.forEach((labels, chunks) -> want.add(new EncodedSeries(labels, chunks)));
      assertThat(merged).as("trial %d with %d lists", trial, lists).isEqualTo(want);
    }
  }

  @Test
  void oneListIsReturnedAsItIsAndNoListGivesNoSeries() {
    List<EncodedSeries> only = List.of(new EncodedSeries(Labels.of("a", "1"), List.of()),
        new EncodedSeries(Labels.of("a", "2"), List.of()));

    assertThat(SortedSeriesMerge.merge(List.of(only))).isSameAs(only);
    assertThat(SortedSeriesMerge.merge(List.of())).isEmpty();
    assertThat(SortedSeriesMerge.merge(List.of(List.of(), only, List.of()))).isEqualTo(only);
  }
}
