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
}
