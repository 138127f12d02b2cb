package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeriesMergerTest {
  private static EncodedChunk chunk(long minTimeMs) {
    XorAppender appender = new XorAppender();
    appender.append(minTimeMs, 1);
    return new EncodedChunk(minTimeMs, minTimeMs, appender.bytes());
  }

  /** What merge promises, built the plain way: a map by labels, chunks sorted by start time. */
  private static List<EncodedSeries> reference(List<List<EncodedSeries>> sources) {
    Map<Labels, List<EncodedChunk>> byLabels = new TreeMap<>();
    for (List<EncodedSeries> source : sources) {
      for (EncodedSeries series : source) {
        byLabels.computeIfAbsent(series.labels(), l -> new ArrayList<>()).addAll(series.chunks());
      }
    }
    List<EncodedSeries> out = new ArrayList<>();
    byLabels.forEach((labels, chunks) -> {
      chunks.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
      out.add(new EncodedSeries(labels, chunks));
    });
    return out;
  }

  @Test
  void mergesBlocksByLabelsWithChunksByStartTimeWhetherOrNotEachBlockIsSorted() {
    for (int seed = 0; seed < 100; seed++) {
      Random random = new Random(seed);
      boolean shuffleOne = seed % 2 == 1;
      List<List<EncodedSeries>> blocks = new ArrayList<>();
      int count = 1 + random.nextInt(13);
      for (int b = 0; b < count; b++) {
        // Each block holds some of 50 series; later blocks hold later chunks, listed in any block order.
        long blockMinMs = random.nextInt(20) * 7_200_000L;
        List<EncodedSeries> block = new ArrayList<>();
        for (int s = 0; s < 50; s++) {
          if (random.nextInt(3) > 0) {
            block.add(new EncodedSeries(Labels.of("__name__", "up", "instance", "host-" + s),
                List.of(chunk(blockMinMs), chunk(blockMinMs + 3_600_000))));
          }
        }
        block.sort(Comparator.comparing(EncodedSeries::labels));
        blocks.add(block);
      }
      if (shuffleOne) {
        Collections.shuffle(blocks.getFirst(), random);
      }

      assertThat(SeriesMerger.merge(blocks)).as("seed %d", seed).containsExactlyElementsOf(reference(blocks));
    }
  }
}
