package io.narthex.tsdb.block;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** A growable byte buffer with Prometheus's {@code encoding.Encbuf} primitives: big-endian ints and varints. */
final class EncBuf {
  private byte[] bytes;
  private int len;

  EncBuf(int capacity) {
    bytes = new byte[Math.max(16, capacity)];
  }

  void reset() {
    len = 0;
  }

  int len() {
    return len;
  }

  byte[] array() {
    return bytes;
  }

  private void ensure(int extra) {
    if (len + extra > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, len + extra));
    }
  }

  EncBuf putByte(int b) {
    ensure(1);
    bytes[len++] = (byte) b;
    return this;
  }

  EncBuf putBytes(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, bytes, len, n);
    len += n;
    return this;
  }

  EncBuf putBe32(int v) {
    ensure(4);
    bytes[len++] = (byte) (v >>> 24);
    bytes[len++] = (byte) (v >>> 16);
    bytes[len++] = (byte) (v >>> 8);
    bytes[len++] = (byte) v;
    return this;
  }

  EncBuf putBe64(long v) {
    putBe32((int) (v >>> 32));
    return putBe32((int) v);
  }

  /** Unsigned LEB128, as Go's {@code binary.PutUvarint}. */
  EncBuf putUvarint(long v) {
    ensure(10);
    while ((v & ~0x7fL) != 0) {
      bytes[len++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes[len++] = (byte) v;
    return this;
  }

  /** Zig-zag signed varint, as Go's {@code binary.PutVarint}. */
  EncBuf putVarint(long v) {
    return putUvarint((v << 1) ^ (v >> 63));
  }

  /** A string as its UTF-8 length (uvarint) and bytes. */
  EncBuf putUvarintStr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    putUvarint(b.length);
    return putBytes(b, 0, b.length);
  }

  /** CRC32 Castagnoli over {@code [from, len)}. */
  int crc32c(int from) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, from, len - from);
    return (int) crc.getValue();
  }

  static int uvarintSize(long v) {
    int n = 1;
    while ((v & ~0x7fL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }
}
