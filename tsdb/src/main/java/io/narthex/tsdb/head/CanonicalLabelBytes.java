package io.narthex.tsdb.head;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A reusable buffer in which a label set's canonical bytes ({@link SeriesIdentity}: each name and value followed by
 * {@code 0xff}) are put together from byte ranges, such as the label strings of an encoded series read in place,
 * and hashed to its identity. Ranges are copied eight bytes at a time: a series' dozen short labels copied one
 * {@code System.arraycopy} each cost more than hashing them (JFR of {@code ShardApplyBenchmark}, 2026-12-07).
 *
 * <p>Not thread-safe: one per thread, {@link #clear} per label set.
 */
public final class CanonicalLabelBytes {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;
  /** Room past the end for a word written whole when a range is shorter than one. */
  private static final int SLACK = Long.BYTES;

  private byte[] bytes = new byte[512];
  private int length;
  /** Every byte copied since {@link #clear}, or'ed together per word position: its high bits tell non-ASCII. */
  private long orOfWords;

  /** Forgets the bytes added; the buffer is kept. */
  public CanonicalLabelBytes clear() {
    length = 0;
    orOfWords = 0;
    return this;
  }

  /**
   * Appends {@code src[offset, offset + count)}, a label name or value, then the separator.
   *
   * @throws IndexOutOfBoundsException when the range is not within {@code src}
   */
  public void add(byte[] src, int offset, int count) {
    java.util.Objects.checkFromIndexSize(offset, count, src.length);
    if (length + count + 1 + SLACK > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + count + 1 + SLACK));
    }
    byte[] dst = bytes;
    int at = length;
    if (count >= Long.BYTES) {
      int i = 0;
      for (; i + Long.BYTES <= count; i += Long.BYTES) {
        long word = (long) LONGS.get(src, offset + i);
        LONGS.set(dst, at + i, word);
        orOfWords |= word;
      }
      if (i < count) {
        // The last word again, overlapping the one before: within the range, so no byte past it is read.
        long word = (long) LONGS.get(src, offset + count - Long.BYTES);
        LONGS.set(dst, at + count - Long.BYTES, word);
        orOfWords |= word;
      }
    } else if (offset + Long.BYTES <= src.length) {
      // One word whose bytes past the range are written into the slack (overwritten next) and masked off.
      long word = (long) LONGS.get(src, offset);
      LONGS.set(dst, at, word);
      orOfWords |= word & ((1L << (count << 3)) - 1);
    } else {
      for (int i = 0; i < count; i++) {
        dst[at + i] = src[offset + i];
        orOfWords |= src[offset + i] & 0xffL;
      }
    }
    dst[at + count] = SeriesIdentity.SEPARATOR;
    length = at + count + 1;
  }

  /** Whether every byte added since {@link #clear} is ASCII (so the ranges are valid UTF-8 without 0xff). */
  public boolean ascii() {
    return (orOfWords & HIGH_BITS) == 0;
  }

  /** {@link SeriesIdentity#low} of the bytes added. */
  public long low() {
    return SeriesIdentity.low(bytes, 0, length);
  }

  /** {@link SeriesIdentity#high} of the bytes added. */
  public long high() {
    return SeriesIdentity.high(bytes, 0, length);
  }

  /** A copy of the canonical bytes added so far. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, length);
  }
}
