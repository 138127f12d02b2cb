package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkRefsTest {
  @Test
  void aTruncatedChunkRecordNamesTheChunkItWasReading() {
    // A record announcing 40 bytes of data with only 3 present: segment 1 (chunks/000002), offset 8.
    long ref = (1L << 32) | 8;
    byte[] record = {40, 1, 0, 1};

    assertThatThrownBy(() -> ChunkRefs.xorData(new ByteSlice(record, 0, record.length), ref))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("chunk ref " + ref + " (chunks/000002 offset 8): ")
        .hasMessageContaining("truncated");
    assertThat(ChunkRefs.describe(ref)).isEqualTo("chunk ref " + ref + " (chunks/000002 offset 8)");
  }

  @Test
  void namesSegmentFilesAsPrometheusDoesWithAtLeastSixDigits() {
    for (int segment : new int[] {0, 1, 8, 9, 98_765, 999_998, 999_999, 12_345_678, Integer.MAX_VALUE, -1, -2,
        Integer.MIN_VALUE}) {
      assertThat(ChunkRefs.fileName(segment)).as("segment %d", segment)
          .isEqualTo(String.format("chunks/%06d", segment + 1L));
    }
    assertThat(ChunkRefs.fileName(0)).isEqualTo("chunks/000001");
  }
}
