package io.narthex.tsdb.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.storage.StorageException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BitStreamTest {
  @Test
  void writesBitsMostSignificantFirstAndPadsTheLastByteWithZeros() {
    BitStream stream = new BitStream(1);
    stream.writeBit(true);
    stream.writeBits(0b01, 2);
    stream.writeBits(0x1ff, 9);
    assertThat(stream.bitLength()).isEqualTo(12);
    assertThat(stream.toByteArray()).containsExactly(0xbf, 0xf0);
  }

  @Test
  void varintsMatchGoEncodingBinary() {
    assertThat(encodeUvarint(0)).containsExactly(0x00);
    assertThat(encodeUvarint(127)).containsExactly(0x7f);
    assertThat(encodeUvarint(300)).containsExactly(0xac, 0x02);
    assertThat(encodeUvarint(-1L)).containsExactly(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    assertThat(encodeVarint(1)).containsExactly(0x02);
    assertThat(encodeVarint(-1)).containsExactly(0x01);
    assertThat(encodeVarint(-64)).containsExactly(0x7f);
    assertThat(encodeVarint(1000)).containsExactly(0xd0, 0x0f);
  }

  private static byte[] encodeUvarint(long v) {
    BitStream stream = new BitStream();
    stream.writeUvarint(v);
    return stream.toByteArray();
  }

  private static byte[] encodeVarint(long v) {
    BitStream stream = new BitStream();
    stream.writeVarint(v);
    return stream.toByteArray();
  }

  @Test
  void readerReturnsWhatWasWrittenAtAnyBitAlignment() {
    Random random = new Random(42);
    long[] values = new long[2000];
    int[] widths = new int[values.length];
    BitStream stream = new BitStream(1);
    for (int i = 0; i < values.length; i++) {
      widths[i] = random.nextInt(65);
      long v = random.nextLong();
      values[i] = widths[i] == 64 ? v : v & ((1L << widths[i]) - 1);
      switch (i % 4) {
        case 0 -> stream.writeBits(values[i], widths[i]);
        case 1 -> stream.writeVarint(v);
        case 2 -> stream.writeUvarint(v);
        default -> stream.writeBit((v & 1) != 0);
      }
      if (i % 4 != 0) {
        values[i] = v;
      }
    }
    BitStream.Reader reader = new BitStream.Reader(stream.toByteArray());
    for (int i = 0; i < values.length; i++) {
      switch (i % 4) {
        case 0 -> assertThat(reader.readBits(widths[i])).isEqualTo(values[i]);
        case 1 -> assertThat(reader.readVarint()).isEqualTo(values[i]);
        case 2 -> assertThat(reader.readUvarint()).isEqualTo(values[i]);
        default -> assertThat(reader.readBit()).isEqualTo((values[i] & 1) != 0);
      }
    }
  }

  @Test
  void aReaderOfASliceReadsOnlyItsBytesWhateverSurroundsThem() {
    // The reader loads 8 bytes at a time where the array allows: bits past the slice must not leak into a value.
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      int count = 1 + random.nextInt(12);
      long[] values = new long[count];
      int[] widths = new int[count];
      BitStream stream = new BitStream(1);
      for (int i = 0; i < count; i++) {
        widths[i] = random.nextInt(65);
        values[i] = widths[i] == 64 ? random.nextLong() : random.nextLong() & ((1L << widths[i]) - 1);
        stream.writeBits(values[i], widths[i]);
      }
      byte[] slice = stream.toByteArray();
      byte[] padded = new byte[slice.length + 20];
      java.util.Arrays.fill(padded, (byte) 0xff);
      System.arraycopy(slice, 0, padded, 9, slice.length);
      BitStream.Reader reader = new BitStream.Reader();
      reader.reset(padded, 9, slice.length);
      for (int i = 0; i < count; i++) {
        assertThat(reader.readBits(widths[i])).as("round %d value %d", round, i).isEqualTo(values[i]);
      }
      int left = (int) (slice.length * 8L - stream.bitLength());
      assertThat(reader.readBits(left)).isZero();
      assertThatThrownBy(() -> reader.readBits(1)).isInstanceOf(StorageException.class);
    }
  }

  @Test
  void readingPastTheEndIsAStorageError() {
    BitStream.Reader reader = new BitStream.Reader(new byte[] {(byte) 0x80});
    reader.readBits(7);
    assertThatThrownBy(() -> reader.readBits(2)).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> new BitStream.Reader(new byte[] {(byte) 0x80}).readUvarint())
        .isInstanceOf(StorageException.class);
  }

  @Test
  void resumeDropsBitsBeyondTheGivenLength() {
    BitStream stream = BitStream.resume(new byte[] {(byte) 0xff}, 3);
    stream.writeBits(0, 5);
    assertThat(stream.toByteArray()).containsExactly(0xe0);
  }
}
