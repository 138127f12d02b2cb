package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MergedSeries} reads overlapping chunks as {@link ChunkMerger}'s re-encoded chunks read through
 * {@link WindowedSeries} do: the same samples, the same winner on a shared timestamp, the same answers to seek.
 */
class MergedSeriesTest {
  private static final Labels LABELS = Labels.of("__name__", "up");

  private static EncodedChunk chunk(long fromMs, long toMs, long stepMs, double value) {
    XorAppender appender = new XorAppender();
    for (long t = fromMs; t <= toMs; t += stepMs) {
      appender.append(t, value + t);
    }
    return new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes());
  }

  /** Every sample of the iterator, as [timestamp, value bits]. */
  private static List<long[]> drain(SampleIterator it) {
    List<long[]> out = new ArrayList<>();
    while (it.next()) {
      out.add(new long[] {it.timestampMs(), Double.doubleToRawLongBits(it.value())});
    }
    return out;
  }

  private static SampleIterator reference(List<EncodedChunk> chunks, long minMs, long maxMs) {
    return new WindowedSeries(new EncodedSeries(LABELS, ChunkMerger.mergeOverlapping(chunks)), minMs, maxMs)
        .iterator();
  }

  @Test
  void theFirstChunksValueWinsASharedTimestamp() {
    // A block's chunk, the ingester's copy of the same range with other values from 500 on, and a sparse third.
    List<EncodedChunk> chunks = List.of(chunk(0, 1000, 10, 1), chunk(500, 1500, 10, 2), chunk(505, 605, 50, 3));

    List<long[]> samples = drain(new MergedSeries(LABELS, chunks, Long.MIN_VALUE, Long.MAX_VALUE).iterator());

    assertThat(samples).extracting(s -> s[0]).isSorted().doesNotHaveDuplicates().hasSize(151 + 3);
    assertThat(samples).filteredOn(s -> s[0] == 500).singleElement()
        .satisfies(s -> assertThat(Double.longBitsToDouble(s[1])).isEqualTo(501));
    assertThat(samples).filteredOn(s -> s[0] == 1010).singleElement()
        .satisfies(s -> assertThat(Double.longBitsToDouble(s[1])).isEqualTo(1012));
    assertThat(samples).filteredOn(s -> s[0] == 555).singleElement()
        .satisfies(s -> assertThat(Double.longBitsToDouble(s[1])).isEqualTo(558));
  }

  @Test
  void readsRandomOverlappingChunksAsTheReEncodedMergeDoes() {
    for (int seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      List<EncodedChunk> chunks = new ArrayList<>();
      int count = 1 + random.nextInt(6);
      for (int i = 0; i < count; i++) {
        long from = random.nextInt(100) * 5L;
        long step = 1 + random.nextInt(20);
        long to = from + step * random.nextInt(40);
        chunks.add(chunk(from, to, step, 100 * i));
      }
      chunks.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
      long minMs = random.nextBoolean() ? Long.MIN_VALUE : random.nextInt(300);
      long maxMs = random.nextBoolean() ? Long.MAX_VALUE : minMs + random.nextInt(600);

      assertThat(drain(new MergedSeries(LABELS, chunks, minMs, maxMs).iterator()))
          .as("seed %d", seed).containsExactlyElementsOf(drain(reference(chunks, minMs, maxMs)));

      // Interleaved seeks and nexts, as the evaluator steps through a range.
      SampleIterator merged = new MergedSeries(LABELS, chunks, minMs, maxMs).iterator();
      SampleIterator expected = reference(chunks, minMs, maxMs);
      long target = -50;
      for (int step = 0; step < 40; step++) {
        boolean seek = random.nextBoolean();
        boolean got = seek ? merged.seek(target) : merged.next();
        boolean want = seek ? expected.seek(target) : expected.next();
        assertThat(got).as("seed %d step %d", seed, step).isEqualTo(want);
        if (!want) {
          break;
        }
        assertThat(merged.timestampMs()).as("seed %d step %d", seed, step).isEqualTo(expected.timestampMs());
        assertThat(Double.doubleToRawLongBits(merged.value()))
            .isEqualTo(Double.doubleToRawLongBits(expected.value()));
        target += random.nextInt(60) - 10;
      }
    }
  }

  @Test
  void chunksOutsideTheWindowAreNotRead() {
    // The second chunk's bytes are not a chunk: reading it would throw.
    EncodedChunk unreadable = new EncodedChunk(5000, 6000, new byte[] {0, 5, 1});
    List<EncodedChunk> chunks = List.of(chunk(0, 1000, 10, 1), chunk(900, 1100, 10, 2), unreadable);

    assertThat(drain(new MergedSeries(LABELS, chunks, 0, 2000).iterator())).hasSize(111);
  }
}
