package io.narthex.tsdb.chunk;

import java.util.Arrays;

/**
 * An immutable Gorilla XOR float chunk, bit-compatible with Prometheus's {@code tsdb/chunkenc/xor.go}; chunk layout
 * per Prometheus {@code tsdb/docs/format/chunks.md}.
 *
 * <p>Layout: a big-endian uint16 sample count, then the first sample as a varint timestamp (ms) and the 64 raw bits
 * of its value, the second as a uvarint timestamp delta and an XOR value, the rest as delta-of-delta timestamps and
 * XOR values. Build one with {@link XorAppender}.
 */
public final class XorChunk {
  /** Encoding id of this chunk format. */
  public static final int ENCODING = Encoding.XOR;
  /** Most samples a chunk can hold: the count header is a uint16. */
  public static final int MAX_SAMPLES = 0xffff;

  private final byte[] data;

  private XorChunk(byte[] data) {
    this.data = data;
  }

  /**
   * Wraps encoded bytes, including the 2-byte count header. The array is not copied and must not be changed.
   *
   * @throws IllegalArgumentException when shorter than the header
   */
  public static XorChunk fromBytes(byte[] data) {
    if (data.length < 2) {
      throw new IllegalArgumentException("XOR chunk needs at least 2 bytes, got " + data.length);
    }
    return new XorChunk(data);
  }

  /** Sample count from the header of encoded bytes. */
  public static int numSamples(byte[] data) {
    return ((data[0] & 0xff) << 8) | (data[1] & 0xff);
  }

  public int numSamples() {
    return numSamples(data);
  }

  /** A copy of the encoded bytes. */
  public byte[] bytes() {
    return Arrays.copyOf(data, data.length);
  }

  public int sizeBytes() {
    return data.length;
  }

  /** A fresh iterator over the samples. */
  public XorIterator iterator() {
    return new XorIterator(data);
  }

  /** An appender continuing this chunk; the chunk itself is left unchanged. */
  public XorAppender appender() {
    return XorAppender.resume(data);
  }
}
