package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkMergerTest {
  private static EncodedChunk chunk(long fromMs, long toMs, long stepMs, double value) {
    XorAppender appender = new XorAppender();
    for (long t = fromMs; t <= toMs; t += stepMs) {
      appender.append(t, value);
    }
    return new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes());
  }

  private static List<double[]> samples(List<EncodedChunk> chunks) {
    List<double[]> out = new ArrayList<>();
    SampleIterator it = new WindowedSeries(new EncodedSeries(Labels.of("a", "b"), chunks), Long.MIN_VALUE,
        Long.MAX_VALUE).iterator();
    while (it.next()) {
      out.add(new double[] {it.timestampMs(), it.value()});
    }
    return out;
  }

  @Test
  void chunksThatDoNotOverlapPassThroughUntouched() {
    List<EncodedChunk> chunks = List.of(chunk(0, 100, 10, 1), chunk(110, 200, 10, 2));
    assertThat(ChunkMerger.mergeOverlapping(chunks)).isSameAs(chunks);
  }

  @Test
  void overlappingChunksKeepEachTimestampOnceInOrder() {
    // A block's chunk and a head chunk holding the same samples plus later ones, and an unrelated later chunk.
    List<EncodedChunk> merged = ChunkMerger.mergeOverlapping(List.of(
        chunk(0, 1000, 10, 1), chunk(500, 1500, 10, 2), chunk(505, 605, 50, 3), chunk(5000, 5100, 10, 4)));

    List<double[]> samples = samples(merged);
    for (int i = 1; i < merged.size(); i++) {
      assertThat(merged.get(i).minTimeMs()).isGreaterThan(merged.get(i - 1).maxTimeMs());
    }
    assertThat(samples).extracting(s -> (long) s[0]).doesNotHaveDuplicates().isSorted();
    // 0..1500 step 10 (151), plus 505, 555, 605 (3), plus 11 later.
    assertThat(samples).hasSize(151 + 3 + 11);
    // On a shared timestamp the first chunk's value wins.
    assertThat(samples).filteredOn(s -> s[0] == 500).singleElement().satisfies(s -> assertThat(s[1]).isEqualTo(1));
    assertThat(samples).filteredOn(s -> s[0] == 1010).singleElement().satisfies(s -> assertThat(s[1]).isEqualTo(2));
    assertThat(samples).filteredOn(s -> s[0] == 555).singleElement().satisfies(s -> assertThat(s[1]).isEqualTo(3));
  }

  @Test
  void countsDuplicateAndConflictingSamplesKeepingTheFirstChunksValue() {
    ChunkMerger.MergeStats stats = new ChunkMerger.MergeStats();
    // 0..100 step 10 (11 samples) against 50..150 step 10: 50..100 (6) collide; the third chunk repeats 60 and 70
    // with the first chunk's value (duplicates for it).
    List<EncodedChunk> merged = ChunkMerger.mergeOverlapping(
        List.of(chunk(0, 100, 10, 1), chunk(50, 150, 10, 2), chunk(60, 70, 10, 1)), stats);

    assertThat(samples(merged)).hasSize(16);
    assertThat(samples(merged)).filteredOn(s -> s[0] == 60).singleElement()
        .satisfies(s -> assertThat(s[1]).isEqualTo(1));
    assertThat(stats.conflictingSamples()).isEqualTo(6);
    assertThat(stats.duplicateSamples()).isEqualTo(2);
  }

  @Test
  void dropsCopiesOfAnEarlierChunkAndKeepsChunksThatOnlyShareTheirRange() {
    EncodedChunk block = chunk(0, 100, 10, 1);
    EncodedChunk sameRangeOtherValues = chunk(0, 100, 10, 2);
    EncodedChunk later = chunk(110, 200, 10, 1);
    // The ingester's copy of a shipped block, then the store-gateway's, sorted by start time.
    List<EncodedChunk> chunks = List.of(block, sameRangeOtherValues, chunk(0, 100, 10, 1), later,
        chunk(110, 200, 10, 1));

    List<EncodedChunk> kept = ChunkMerger.withoutCopies(chunks);

    assertThat(kept).containsExactly(block, sameRangeOtherValues, later);
    assertThat(samples(ChunkMerger.mergeOverlapping(kept)))
        .containsExactlyElementsOf(samples(ChunkMerger.mergeOverlapping(chunks)));
    List<EncodedChunk> noCopies = List.of(block, sameRangeOtherValues, later);
    assertThat(ChunkMerger.withoutCopies(noCopies)).isSameAs(noCopies);
  }

  @Test
  void countsNothingWithoutOverlap() {
    ChunkMerger.MergeStats stats = new ChunkMerger.MergeStats();
    List<EncodedChunk> chunks = List.of(chunk(0, 100, 10, 1), chunk(110, 200, 10, 2));
    assertThat(ChunkMerger.mergeOverlapping(chunks, stats)).isSameAs(chunks);
    assertThat(stats.conflictingSamples() + stats.duplicateSamples()).isZero();
  }
}
