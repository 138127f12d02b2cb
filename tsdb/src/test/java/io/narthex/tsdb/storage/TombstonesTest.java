package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TombstonesTest {
  private static final Labels CPU = Labels.of("__name__", "cpu", "job", "node");
  private static final Labels MEM = Labels.of("__name__", "mem", "job", "node");

  /** One sample every 10 ms over [0, 990], in chunks of 30 samples. */
  private static EncodedSeries series(Labels labels) {
    List<EncodedChunk> chunks = new ArrayList<>();
    for (int c = 0; c < 100; c += 30) {
      XorAppender appender = new XorAppender();
      for (int i = c; i < Math.min(100, c + 30); i++) {
        appender.append(i * 10L, i);
      }
      chunks.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
    return new EncodedSeries(labels, chunks);
  }

  private static List<Long> timestamps(Series series) {
    List<Long> out = new ArrayList<>();
    SampleIterator it = series.iterator();
    while (it.next()) {
      out.add(it.timestampMs());
    }
    return out;
  }

  private static final Tombstones CPU_100_TO_200_AND_150_TO_250 = new Tombstones(List.of(
      new Tombstone(List.of(Matcher.equal("__name__", "cpu")), 100, 200),
      new Tombstone(List.of(Matcher.of(Matcher.Type.REGEX, "job", "no.*"), Matcher.equal("__name__", "cpu")),
          150, 250)));

  @Test
  void matchingTombstonesMergeIntoIntervalsAndOthersSeriesAreUntouched() {
    assertThat(CPU_100_TO_200_AND_150_TO_250.intervals(CPU)).containsExactly(new long[] {100, 250});
    assertThat(CPU_100_TO_200_AND_150_TO_250.intervals(MEM)).isEmpty();
    Series mem = new WindowedSeries(series(MEM), 0, 1000);
    assertThat(CPU_100_TO_200_AND_150_TO_250.filter(mem)).isSameAs(mem);
  }

  @Test
  void queriesSkipDeletedSamplesIncludingAfterASeek() {
    Series cpu = CPU_100_TO_200_AND_150_TO_250.filter(new WindowedSeries(series(CPU), 0, 1000));
    List<Long> left = timestamps(cpu);
    assertThat(left).hasSize(100 - 16).doesNotContain(100L, 180L, 250L).contains(90L, 260L);
    SampleIterator it = cpu.iterator();
    assertThat(it.seek(120)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(260);
  }

  @Test
  void rewritingKeepsUntouchedChunksAndReencodesTheRest() {
    EncodedSeries original = series(CPU);
    EncodedSeries rewritten = CPU_100_TO_200_AND_150_TO_250.apply(original);

    assertThat(rewritten.chunks()).hasSize(4);
    assertThat(rewritten.chunks().get(1)).isSameAs(original.chunks().get(1));
    assertThat(timestamps(new WindowedSeries(rewritten, 0, 1000)))
        .isEqualTo(timestamps(CPU_100_TO_200_AND_150_TO_250.filter(new WindowedSeries(original, 0, 1000))));
    Tombstones everything = new Tombstones(List.of(new Tombstone(List.of(Matcher.equal("job", "node")),
        Long.MIN_VALUE, Long.MAX_VALUE)));
    assertThat(everything.apply(original)).isNull();
  }
}
