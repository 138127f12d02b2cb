package io.narthex.tsdb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowedSeriesTest {
  /** Three chunks of timestamps 0..9, 10..19, 20..29 (ms), value = timestamp. */
  private static EncodedSeries threeChunks() {
    List<EncodedChunk> chunks = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      XorAppender appender = new XorAppender();
      for (int i = 0; i < 10; i++) {
        long t = c * 10L + i;
        appender.append(t, t);
      }
      chunks.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
    return new EncodedSeries(Labels.of("a", "1"), chunks);
  }

  private static List<Long> drain(SampleIterator it) {
    List<Long> out = new ArrayList<>();
    while (it.next()) {
      out.add(it.timestampMs());
      assertThat(it.value()).isEqualTo((double) it.timestampMs());
    }
    return out;
  }

  @Test
  void yieldsOnlySamplesInsideTheInclusiveWindowAcrossChunks() {
    assertThat(drain(new WindowedSeries(threeChunks(), 8, 21).iterator()))
        .containsExactly(8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 21L);
    assertThat(drain(new WindowedSeries(threeChunks(), -100, 100).iterator())).hasSize(30);
    assertThat(drain(new WindowedSeries(threeChunks(), 30, 100).iterator())).isEmpty();
    assertThat(drain(new WindowedSeries(threeChunks(), 5, 4).iterator())).isEmpty();
  }

  @Test
  void seekSkipsChunksAndStaysPutWhenTheCurrentSampleQualifies() {
    SampleIterator it = new WindowedSeries(threeChunks(), 3, 25).iterator();
    assertThat(it.seek(0)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(3);
    assertThat(it.seek(17)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(17);
    assertThat(it.seek(12)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(17);
    assertThat(it.next()).isTrue();
    assertThat(it.timestampMs()).isEqualTo(18);
    assertThat(it.seek(25)).isTrue();
    assertThat(it.value()).isEqualTo(25.0);
    assertThat(it.next()).isFalse();
    assertThat(it.seek(0)).isFalse();
  }

  @Test
  void seekPastTheWindowEndFindsNothing() {
    SampleIterator it = new WindowedSeries(threeChunks(), 0, 15).iterator();
    assertThat(it.seek(16)).isFalse();
  }

  @Test
  void hasSamplesIsFalseWhenChunksOverlapTheWindowButNoSampleFallsInIt() {
    XorAppender appender = new XorAppender();
    appender.append(0, 1);
    appender.append(100, 2);
    EncodedSeries series =
        new EncodedSeries(Labels.of("a", "1"), List.of(new EncodedChunk(0, 100, appender.bytes())));
    assertThat(new WindowedSeries(series, 10, 90).hasSamples()).isFalse();
    assertThat(new WindowedSeries(series, 10, 100).hasSamples()).isTrue();
  }
}
