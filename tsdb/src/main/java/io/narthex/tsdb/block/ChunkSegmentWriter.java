package io.narthex.tsdb.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a block's {@code chunks/} directory as Prometheus's {@code chunks.Writer}: segment files {@code 000001},
 * {@code 000002}, ... each starting with an 8-byte header (magic {@code 0x85BD40DD}, version 1, 3 zero bytes) and
 * holding chunks as {@code uvarint len | encoding byte | data | CRC32C(encoding, data)}. A chunk's reference is
 * {@code segmentIndex << 32 | offset}, the index counting from 0 for {@code 000001}.
 */
final class ChunkSegmentWriter implements AutoCloseable {
  static final int MAGIC_CHUNKS = 0x85BD40DD;
  static final int HEADER_SIZE = 8;
  static final long DEFAULT_SEGMENT_SIZE = 512L * 1024 * 1024;

  private final Path dir;
  private final long segmentSize;
  private final EncBuf buf = new EncBuf(256);
  private PositionedOutput current;
  private int segmentIndex = -1;

  ChunkSegmentWriter(Path dir, long segmentSize) {
    this.dir = dir;
    this.segmentSize = segmentSize;
  }

  /** Appends one chunk and returns its reference. */
  long write(int encoding, byte[] data) throws IOException {
    long size = EncBuf.uvarintSize(data.length) + 1L + data.length + 4;
    if (current == null || (current.pos() > HEADER_SIZE && current.pos() + size > segmentSize)) {
      cut();
    }
    long offset = current.pos();
    if (offset > 0xffffffffL) {
      throw new IOException("chunk offset exceeds 32 bits: " + offset);
    }
    buf.reset();
    buf.putUvarint(data.length);
    int crcFrom = buf.len();
    buf.putByte(encoding);
    buf.putBytes(data, 0, data.length);
    buf.putBe32(buf.crc32c(crcFrom));
    current.write(buf);
    return ((long) segmentIndex << 32) | offset;
  }

  private void cut() throws IOException {
    if (current != null) {
      current.close();
    }
    segmentIndex++;
    current = new PositionedOutput(dir.resolve(String.format("%06d", segmentIndex + 1)));
    buf.reset();
    buf.putBe32(MAGIC_CHUNKS).putByte(1).putByte(0).putByte(0).putByte(0);
    current.write(buf);
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
