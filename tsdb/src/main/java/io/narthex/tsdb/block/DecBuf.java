package io.narthex.tsdb.block;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Reads Prometheus's {@code encoding.Decbuf} primitives (big-endian ints, varints, uvarint-prefixed strings) from a
 * slice of a byte array; the reading counterpart of {@link EncBuf}. Running past the slice or an overlong varint
 * throws {@link CorruptBlockException} naming {@code what} is being read.
 */
final class DecBuf {
  private final byte[] bytes;
  private final int end;
  private final String what;
  private int pos;

  DecBuf(byte[] bytes, int offset, int length, String what) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " of " + bytes.length);
    }
    this.bytes = bytes;
    this.pos = offset;
    this.end = offset + length;
    this.what = what;
  }

  DecBuf(byte[] bytes, String what) {
    this(bytes, 0, bytes.length, what);
  }

  int position() {
    return pos;
  }

  int remaining() {
    return end - pos;
  }

  private void need(int n) throws CorruptBlockException {
    if (n < 0 || end - pos < n) {
      throw new CorruptBlockException(what + ": truncated (need " + n + " bytes, " + (end - pos) + " left)");
    }
  }

  int readByte() throws CorruptBlockException {
    need(1);
    return bytes[pos++] & 0xff;
  }

  int be32() throws CorruptBlockException {
    need(4);
    return be32(bytes, (pos += 4) - 4);
  }

  long be64() throws CorruptBlockException {
    long hi = be32() & 0xffffffffL;
    return (hi << 32) | (be32() & 0xffffffffL);
  }

  /** Unsigned LEB128, as Go's {@code binary.Uvarint}; at most 10 bytes. */
  long uvarint() throws CorruptBlockException {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      need(1);
      int b = bytes[pos++] & 0xff;
      if (shift == 63 && b > 1) {
        break;
      }
      result |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        return result;
      }
    }
    throw new CorruptBlockException(what + ": varint overflows 64 bits");
  }

  /** A uvarint that must fit a non-negative int. */
  int uvarintInt() throws CorruptBlockException {
    long v = uvarint();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new CorruptBlockException(what + ": value " + Long.toUnsignedString(v) + " out of range");
    }
    return (int) v;
  }

  /** Zig-zag signed varint, as Go's {@code binary.Varint}. */
  long varint() throws CorruptBlockException {
    long u = uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  String uvarintStr() throws CorruptBlockException {
    int n = uvarintInt();
    need(n);
    String s = new String(bytes, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  void skip(int n) throws CorruptBlockException {
    need(n);
    pos += n;
  }

  static int be32(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  static int crc32c(byte[] b, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(b, offset, length);
    return (int) crc.getValue();
  }
}
