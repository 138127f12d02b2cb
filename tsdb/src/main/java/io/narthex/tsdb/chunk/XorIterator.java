package io.narthex.tsdb.chunk;

import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.StorageException;

/**
 * Decodes an XOR chunk (see {@link XorChunk}), as Prometheus's {@code xorIterator}. Reusable across chunks through
 * {@link #reset}; allocates nothing per sample. A corrupt chunk throws {@link StorageException}.
 */
public final class XorIterator implements SampleIterator {
  private final BitStream.Reader reader = new BitStream.Reader();
  private int numTotal;
  private int numRead;
  private long timestampMs;
  private long timestampDeltaMs;
  private long valueBits;
  private int leading;
  private int trailing;
  private boolean windowRead;

  public XorIterator() {
    numTotal = 0;
  }

  public XorIterator(byte[] data) {
    reset(data);
  }

  /** Starts over on other encoded chunk bytes. */
  public void reset(byte[] data) {
    if (data.length < 2) {
      throw new StorageException("XOR chunk shorter than its header");
    }
    reader.reset(data, 2, data.length - 2);
    numTotal = XorChunk.numSamples(data);
    numRead = 0;
    timestampMs = 0;
    timestampDeltaMs = 0;
    valueBits = 0;
    leading = 0;
    trailing = 0;
    windowRead = false;
  }

  @Override
  public boolean next() {
    if (numRead >= numTotal) {
      return false;
    }
    if (numRead == 0) {
      timestampMs = reader.readVarint();
      valueBits = reader.readBits(64);
      numRead++;
      return true;
    }
    if (numRead == 1) {
      timestampDeltaMs = reader.readUvarint();
      timestampMs += timestampDeltaMs;
      readValue();
      numRead++;
      return true;
    }
    int prefix = 0;
    for (int i = 0; i < 4; i++) {
      prefix <<= 1;
      if (!reader.readBit()) {
        break;
      }
      prefix |= 1;
    }
    long dod;
    switch (prefix) {
      case 0b0 -> dod = 0;
      case 0b10 -> dod = signed(reader.readBits(14), 14);
      case 0b110 -> dod = signed(reader.readBits(17), 17);
      case 0b1110 -> dod = signed(reader.readBits(20), 20);
      default -> dod = reader.readBits(64);
    }
    timestampDeltaMs += dod;
    timestampMs += timestampDeltaMs;
    readValue();
    numRead++;
    return true;
  }

  /** Undoes the writer's truncation to {@code sz} bits; values above half the range were negative. */
  private static long signed(long bits, int sz) {
    return bits > (1L << (sz - 1)) ? bits - (1L << sz) : bits;
  }

  private void readValue() {
    if (!reader.readBit()) {
      return; // same value
    }
    int significant;
    if (!reader.readBit()) {
      significant = 64 - leading - trailing;
    } else {
      windowRead = true;
      leading = (int) reader.readBits(5);
      significant = (int) reader.readBits(6);
      if (significant == 0) {
        significant = 64;
      }
      trailing = 64 - leading - significant;
      if (trailing < 0) {
        throw new StorageException("corrupt XOR chunk: leading " + leading + " significant " + significant);
      }
    }
    valueBits ^= reader.readBits(significant) << trailing;
  }

  @Override
  public boolean seek(long timestampMs) {
    while (numRead == 0 || this.timestampMs < timestampMs) {
      if (!next()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public long timestampMs() {
    if (numRead == 0) {
      throw new IllegalStateException("next() not called");
    }
    return timestampMs;
  }

  @Override
  public double value() {
    if (numRead == 0) {
      throw new IllegalStateException("next() not called");
    }
    return Double.longBitsToDouble(valueBits);
  }

  /** Raw bits of the current value, for callers that compare values bit for bit. */
  public long valueBits() {
    return valueBits;
  }

  // State handed to XorAppender.resume.
  long timestampMs0() {
    return timestampMs;
  }

  long timestampDeltaMs() {
    return timestampDeltaMs;
  }

  int leading() {
    return leading;
  }

  int trailing() {
    return trailing;
  }

  /** Whether any value so far set a new XOR window, as the appender's leading is then no longer unset. */
  boolean windowRead() {
    return windowRead;
  }

  long bitPosition() {
    return reader.position();
  }
}
