package io.narthex.tsdb.chunk;

import io.narthex.tsdb.storage.StorageException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A growable bit writer, most significant bit first, as Prometheus's {@code chunkenc.bstream}; {@link Reader} reads
 * it back. Varints follow Go's {@code encoding/binary}: 7 bits a byte, least significant group first, high bit set on
 * every byte but the last; signed varints are zig-zag encoded first.
 *
 * <p>Not thread-safe. Bits past the written length are always zero, so the last byte is zero-padded.
 */
public final class BitStream {
  private byte[] buf;
  private long bitLength;

  public BitStream() {
    this(32);
  }

  public BitStream(int initialCapacityBytes) {
    buf = new byte[Math.max(1, initialCapacityBytes)];
  }

  /** Continues writing after the first {@code bitLength} bits of {@code data}, which is copied. */
  public static BitStream resume(byte[] data, long bitLength) {
    if (bitLength < 0 || bitLength > (long) data.length * 8) {
      throw new IllegalArgumentException("bit length " + bitLength + " outside " + data.length + " bytes");
    }
    BitStream stream = new BitStream(data.length + 16);
    int fullBytes = (int) (bitLength >>> 3);
    System.arraycopy(data, 0, stream.buf, 0, fullBytes);
    int rem = (int) (bitLength & 7);
    if (rem != 0) {
      // Keep only the written bits of the partial byte, so later ORs start from zero.
      stream.buf[fullBytes] = (byte) (data[fullBytes] & (0xff << (8 - rem)));
    }
    stream.bitLength = bitLength;
    return stream;
  }

  /** Number of bits written. */
  public long bitLength() {
    return bitLength;
  }

  /** Number of bytes holding the written bits, the last one possibly partial. */
  public int byteLength() {
    return (int) ((bitLength + 7) >>> 3);
  }

  /** A copy of the written bytes, exactly {@link #byteLength()} long. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, byteLength());
  }

  /** The backing array, valid up to {@link #byteLength()}; for callers that copy it themselves. */
  byte[] buffer() {
    return buf;
  }

  /** Empties the stream and keeps its buffer, zeroing the bytes written (later writes OR into them). */
  public void reset() {
    Arrays.fill(buf, 0, byteLength(), (byte) 0);
    bitLength = 0;
  }

  public void writeBit(boolean bit) {
    ensure(1);
    if (bit) {
      buf[(int) (bitLength >>> 3)] |= (byte) (0x80 >>> (bitLength & 7));
    }
    bitLength++;
  }

  /** Writes the low {@code nbits} bits of {@code value}, most significant first; {@code nbits} is 0 to 64. */
  public void writeBits(long value, int nbits) {
    if (nbits < 0 || nbits > 64) {
      throw new IllegalArgumentException("nbits " + nbits);
    }
    ensure(nbits);
    while (nbits > 0) {
      int free = 8 - (int) (bitLength & 7);
      int take = Math.min(free, nbits);
      int bits = (int) ((value >>> (nbits - take)) & ((1 << take) - 1));
      buf[(int) (bitLength >>> 3)] |= (byte) (bits << (free - take));
      bitLength += take;
      nbits -= take;
    }
  }

  public void writeByte(int b) {
    writeBits(b & 0xff, 8);
  }

  /** Go's {@code binary.PutUvarint}. */
  public void writeUvarint(long value) {
    while (Long.compareUnsigned(value, 0x80) >= 0) {
      writeByte((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    writeByte((int) value);
  }

  /** Go's {@code binary.PutVarint}: zig-zag, then uvarint. */
  public void writeVarint(long value) {
    writeUvarint((value << 1) ^ (value >> 63));
  }

  /** Overwrites two bytes at a byte offset already written, big-endian. */
  public void putUint16(int byteOffset, int value) {
    if (byteOffset + 2 > byteLength()) {
      throw new IndexOutOfBoundsException("offset " + byteOffset);
    }
    buf[byteOffset] = (byte) (value >>> 8);
    buf[byteOffset + 1] = (byte) value;
  }

  private void ensure(int moreBits) {
    long neededBytes = (bitLength + moreBits + 7) >>> 3;
    if (neededBytes > buf.length) {
      long newLength = Math.max(neededBytes, (long) buf.length * 2);
      if (newLength > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("bit stream too large");
      }
      buf = Arrays.copyOf(buf, (int) newLength);
    }
  }

  /**
   * Reads bits written by {@link BitStream}. Reusable through {@link #reset}. Reading past the end throws
   * {@link StorageException}, as it means a truncated or corrupt chunk.
   */
  public static final class Reader {
    private static final VarHandle BIG_ENDIAN_LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private byte[] data;
    private long limitBits;
    private long position;

    public Reader() {
      this(new byte[0]);
    }

    public Reader(byte[] data) {
      reset(data, 0, data.length);
    }

    /** Starts reading {@code length} bytes of {@code data} at {@code offset}. */
    public void reset(byte[] data, int offset, int length) {
      if (offset < 0 || length < 0 || offset + length > data.length) {
        throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " of " + data.length);
      }
      this.data = data;
      this.position = (long) offset * 8;
      this.limitBits = (long) (offset + length) * 8;
    }

    /** Bit position from the start of the array. */
    public long position() {
      return position;
    }

    public boolean readBit() {
      if (position >= limitBits) {
        throw truncated();
      }
      boolean bit = (data[(int) (position >>> 3)] & (0x80 >>> (position & 7))) != 0;
      position++;
      return bit;
    }

    /** Reads {@code nbits} bits (0 to 64) as the low bits of the result. */
    public long readBits(int nbits) {
      if (nbits < 0 || nbits > 64) {
        throw new IllegalArgumentException("nbits " + nbits);
      }
      if (position + nbits > limitBits) {
        throw truncated();
      }
      int byteIndex = (int) (position >>> 3);
      if (nbits > 0 && byteIndex + Long.BYTES <= data.length) {
        // One big-endian load instead of a loop per byte: the bits wanted are the word's top ones after the skip.
        int skip = (int) (position & 7);
        long word = (long) BIG_ENDIAN_LONG.get(data, byteIndex) << skip;
        if (skip + nbits > Long.SIZE) {
          word |= (data[byteIndex + Long.BYTES] & 0xff) >>> (Byte.SIZE - skip);
        }
        position += nbits;
        return word >>> (Long.SIZE - nbits);
      }
      return readBitsByByte(nbits);
    }

    /** {@link #readBits} near the end of the array, where a whole word cannot be loaded. */
    private long readBitsByByte(int nbits) {
      long result = 0;
      while (nbits > 0) {
        int offsetInByte = (int) (position & 7);
        int avail = 8 - offsetInByte;
        int take = Math.min(avail, nbits);
        int b = data[(int) (position >>> 3)] & 0xff;
        int bits = (b >>> (avail - take)) & ((1 << take) - 1);
        result = (result << take) | bits;
        position += take;
        nbits -= take;
      }
      return result;
    }

    public int readByte() {
      return (int) readBits(8);
    }

    /** Go's {@code binary.ReadUvarint}, including its overflow check. */
    public long readUvarint() {
      long x = 0;
      int shift = 0;
      for (int i = 0; i < 10; i++) {
        int b = readByte();
        if (b < 0x80) {
          if (i == 9 && b > 1) {
            throw new StorageException("uvarint overflows 64 bits");
          }
          return x | ((long) b << shift);
        }
        x |= (long) (b & 0x7f) << shift;
        shift += 7;
      }
      throw new StorageException("uvarint overflows 64 bits");
    }

    /** Go's {@code binary.ReadVarint}. */
    public long readVarint() {
      long ux = readUvarint();
      return (ux >>> 1) ^ -(ux & 1);
    }

    private static StorageException truncated() {
      return new StorageException("chunk data truncated");
    }
  }
}
