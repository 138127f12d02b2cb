package io.narthex.tsdb.chunk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Encodes float samples into an XOR chunk (see {@link XorChunk}), as Prometheus's {@code xorAppender}. Samples must
 * come in increasing timestamp order; the appender does not check, as the head does. Allocates nothing per sample
 * beyond amortized growth of its buffer. Not thread-safe.
 */
public final class XorAppender {
  private static final int NO_LEADING = 0xff;

  private final BitStream stream;
  private int numSamples;
  private long firstTimestampMs;
  private long timestampMs;
  private long timestampDeltaMs;
  private long valueBits;
  private int leading = NO_LEADING;
  private int trailing;

  public XorAppender() {
    this(64);
  }

  /** @param initialCapacityBytes starting buffer size; a 120-sample scrape chunk is usually 100 to 300 bytes */
  public XorAppender(int initialCapacityBytes) {
    this(new BitStream(initialCapacityBytes));
    stream.writeBits(0, 16);
  }

  private XorAppender(BitStream stream) {
    this.stream = stream;
  }

  /**
   * An appender continuing encoded chunk bytes, which are copied, as Prometheus's {@code xorChunk.Appender()}: a
   * non-empty chunk resumes with the XOR window (leading/trailing zeros) last read, or 0/0 when no value ever needed
   * one, whereas the appender that wrote the chunk would still have none. The next samples therefore decode the same
   * but may encode to other bits than had the writer continued; see {@link #resumeExact(byte[])}.
   */
  public static XorAppender resume(byte[] data) {
    return resume(data, false);
  }

  /**
   * An appender continuing encoded chunk bytes, which are copied, bit for bit as the appender that wrote them from an
   * empty chunk would have continued, so replaying later samples gives the same bytes (used by head snapshots).
   *
   * @throws IllegalArgumentException when the chunk holds fewer samples than its header says
   * @throws io.narthex.tsdb.storage.StorageException when the chunk is corrupt
   */
  public static XorAppender resumeExact(byte[] data) {
    return resume(data, true);
  }

  private static XorAppender resume(byte[] data, boolean exact) {
    XorIterator it = new XorIterator(data);
    int n = XorChunk.numSamples(data);
    long first = 0;
    for (int i = 0; i < n; i++) {
      if (!it.next()) {
        throw new IllegalArgumentException("chunk holds fewer samples than its header says");
      }
      if (i == 0) {
        first = it.timestampMs();
      }
    }
    XorAppender appender = new XorAppender(BitStream.resume(data, it.bitPosition()));
    appender.numSamples = n;
    appender.firstTimestampMs = first;
    appender.timestampMs = it.timestampMs0();
    appender.timestampDeltaMs = it.timestampDeltaMs();
    appender.valueBits = it.valueBits();
    // As Prometheus: a resumed non-empty chunk keeps the iterator's leading/trailing, even if never set.
    boolean noWindow = n == 0 || (exact && !it.windowRead());
    appender.leading = noWindow ? NO_LEADING : it.leading();
    appender.trailing = noWindow && exact ? 0 : it.trailing();
    return appender;
  }

  /**
   * Appends one sample.
   *
   * @throws IllegalStateException when the chunk already holds {@link XorChunk#MAX_SAMPLES}
   */
  public void append(long timestampMs, double value) {
    if (numSamples >= XorChunk.MAX_SAMPLES) {
      throw new IllegalStateException("XOR chunk full");
    }
    long bits = Double.doubleToRawLongBits(value);
    long delta = 0;
    switch (numSamples) {
      case 0 -> {
        stream.writeVarint(timestampMs);
        stream.writeBits(bits, 64);
        firstTimestampMs = timestampMs;
      }
      case 1 -> {
        delta = timestampMs - this.timestampMs;
        stream.writeUvarint(delta);
        writeValue(bits);
      }
      default -> {
        delta = timestampMs - this.timestampMs;
        long dod = delta - timestampDeltaMs;
        if (dod == 0) {
          stream.writeBit(false);
        } else if (fits(dod, 14)) {
          stream.writeBits(0b10, 2);
          stream.writeBits(dod, 14);
        } else if (fits(dod, 17)) {
          stream.writeBits(0b110, 3);
          stream.writeBits(dod, 17);
        } else if (fits(dod, 20)) {
          stream.writeBits(0b1110, 4);
          stream.writeBits(dod, 20);
        } else {
          stream.writeBits(0b1111, 4);
          stream.writeBits(dod, 64);
        }
        writeValue(bits);
      }
    }
    this.timestampMs = timestampMs;
    this.valueBits = bits;
    this.timestampDeltaMs = delta;
    numSamples++;
    stream.putUint16(0, numSamples);
  }

  /** Prometheus's {@code bitRange}: the range is asymmetric, one more on the positive side. */
  private static boolean fits(long x, int nbits) {
    long half = 1L << (nbits - 1);
    return -(half - 1) <= x && x <= half;
  }

  private void writeValue(long bits) {
    long delta = bits ^ valueBits;
    if (delta == 0) {
      stream.writeBit(false);
      return;
    }
    stream.writeBit(true);
    int newLeading = Long.numberOfLeadingZeros(delta);
    int newTrailing = Long.numberOfTrailingZeros(delta);
    if (newLeading >= 32) {
      newLeading = 31; // 5 bits hold at most 31
    }
    if (leading != NO_LEADING && newLeading >= leading && newTrailing >= trailing) {
      stream.writeBit(false);
      stream.writeBits(delta >>> trailing, 64 - leading - trailing);
      return;
    }
    leading = newLeading;
    trailing = newTrailing;
    stream.writeBit(true);
    stream.writeBits(newLeading, 5);
    int sigbits = 64 - newLeading - newTrailing;
    stream.writeBits(sigbits, 6); // 64 does not fit in 6 bits and is written as 0
    stream.writeBits(delta >>> newTrailing, sigbits);
  }

  public int numSamples() {
    return numSamples;
  }

  /** Timestamp of the first sample; undefined when empty. */
  public long minTimeMs() {
    return firstTimestampMs;
  }

  /** Timestamp of the last sample; undefined when empty. */
  public long maxTimeMs() {
    return timestampMs;
  }

  /** Raw bits of the last value; undefined when empty. */
  public long lastValueBits() {
    return valueBits;
  }

  /** Size of the encoded bytes. */
  public int sizeBytes() {
    return stream.byteLength();
  }

  /** A copy of the encoded bytes so far, count header included. */
  public byte[] bytes() {
    return stream.toByteArray();
  }

  /**
   * Copies the encoded bytes so far, count header included ({@link #sizeBytes()} of them), into {@code target} at
   * byte {@code offset}; allocates nothing.
   *
   * @throws IndexOutOfBoundsException when they do not fit
   */
  public void copyTo(MemorySegment target, long offset) {
    MemorySegment.copy(stream.buffer(), 0, target, ValueLayout.JAVA_BYTE, offset, stream.byteLength());
  }

  /**
   * Empties the appender for a new chunk, keeping its buffer: the head reuses its open chunk's appender once the
   * chunk is closed and copied out, so that closing allocates nothing.
   */
  public void reset() {
    stream.reset();
    stream.writeBits(0, 16);
    numSamples = 0;
    firstTimestampMs = 0;
    timestampMs = 0;
    timestampDeltaMs = 0;
    valueBits = 0;
    leading = NO_LEADING;
    trailing = 0;
  }

  /** An immutable chunk of the samples so far (a copy). */
  public XorChunk toChunk() {
    return XorChunk.fromBytes(bytes());
  }
}
