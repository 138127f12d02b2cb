package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.narthex.proto.ingester.Chunk;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChunkBytesTest {
  private static final byte[] DATA = {0, 3, 1, 2, 3, 4, 5, 6, 7, 8};

  @Test
  void anInProcessAnswerHandsOverTheSourcesArrayWithoutAllocating() {
    byte[] source = DATA.clone();
    ChunkBytes bytes = new ChunkBytes();
    Chunk chunk = Chunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(source)).build();
    assertThat(bytes.of(chunk.getData())).isSameAs(source);

    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10_000; i++) {
      bytes.of(chunk.getData());
    }
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;
    // toByteArray would allocate 10,000 arrays of 24+ bytes; the counter's own reading allocates a few bytes.
    assertThat(allocatedBytes).as("bytes allocated by 10,000 calls").isLessThan(1_000);
  }

  @Test
  void aParsedAnswerKeepsTheArrayParsingMadeForTheField() throws Exception {
    byte[] wire = Chunk.newBuilder().setMinTimeMs(1).setData(ByteString.copyFrom(DATA)).build().toByteArray();
    Chunk parsed = Chunk.parseFrom(wire);
    byte[] out = new ChunkBytes().of(parsed.getData());
    assertThat(out).containsExactly(DATA);
    assertThat(out).as("the field's own array, not the message buffer").isNotSameAs(wire);
    assertThat(new ChunkBytes().of(parsed.getData())).isSameAs(out);
  }

  /** A field that aliases the buffer it was parsed from: the buffer may be reused, so the bytes are copied. */
  @Test
  void bytesAliasingALargerBufferAreCopied() throws Exception {
    byte[] wire = Chunk.newBuilder().setMinTimeMs(1).setData(ByteString.copyFrom(DATA)).build().toByteArray();
    // As a parser over an immutable buffer with aliasing on (grpc's zero-copy parsing) reads it.
    CodedInputStream aliasing = UnsafeByteOperations.unsafeWrap(wire).newCodedInput();
    aliasing.enableAliasing(true);
    Chunk parsed = Chunk.parseFrom(aliasing);
    byte[] out = new ChunkBytes().of(parsed.getData());
    Arrays.fill(wire, (byte) 0x7f);
    assertThat(parsed.getData().toByteArray()).as("the field aliases the buffer").isNotEqualTo(DATA);
    assertThat(out).containsExactly(DATA);

    ByteBuffer buffer = ByteBuffer.wrap(DATA.clone());
    byte[] fromBuffer = new ChunkBytes().of(UnsafeByteOperations.unsafeWrap(buffer));
    buffer.put(0, (byte) 0x7f);
    assertThat(fromBuffer).containsExactly(DATA);

    byte[] backing = DATA.clone();
    byte[] fromSlice = new ChunkBytes().of(UnsafeByteOperations.unsafeWrap(backing, 2, 5));
    assertThat(fromSlice).containsExactly(Arrays.copyOfRange(DATA, 2, 7));
    backing[2] = 0x7f;
    assertThat(fromSlice[0]).isEqualTo(DATA[2]);
  }

  @Test
  void bytesInPiecesAreJoined() {
    // Pieces of 128 bytes or more are kept apart by concat (smaller ones are copied into one array).
    byte[] first = new byte[200];
    byte[] second = new byte[300];
    Arrays.fill(first, (byte) 1);
    Arrays.fill(second, (byte) 2);
    ByteString rope = UnsafeByteOperations.unsafeWrap(first).concat(UnsafeByteOperations.unsafeWrap(second));
    byte[] joined = new ChunkBytes().of(rope);
    assertThat(joined).hasSize(500).startsWith(first).endsWith(second);
    assertThat(new ChunkBytes().of(ByteString.EMPTY)).isEmpty();
  }
}
