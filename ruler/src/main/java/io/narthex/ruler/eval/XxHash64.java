package io.narthex.ruler.eval;

/**
 * XXH64 with seed 0 over a byte array, as Go's {@code github.com/cespare/xxhash/v2} {@code Sum64} (which Prometheus's
 * {@code labels.Hash} uses), per the xxHash specification (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
 * Written here because no public XXH64 is on Narthex's classpath: hash4j has XXH3 only, and aircompressor's is
 * package-private.
 */
final class XxHash64 {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  static long hash(byte[] input) {
    int length = input.length;
    int offset = 0;
    long acc;
    if (length >= 32) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      int limit = length - 32;
      do {
        v1 = round(v1, readLong(input, offset));
        v2 = round(v2, readLong(input, offset + 8));
        v3 = round(v3, readLong(input, offset + 16));
        v4 = round(v4, readLong(input, offset + 24));
        offset += 32;
      } while (offset <= limit);
      acc = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
      acc = mergeRound(acc, v1);
      acc = mergeRound(acc, v2);
      acc = mergeRound(acc, v3);
      acc = mergeRound(acc, v4);
    } else {
      acc = P5;
    }
    acc += length;
    while (offset + 8 <= length) {
      acc ^= round(0, readLong(input, offset));
      acc = Long.rotateLeft(acc, 27) * P1 + P4;
      offset += 8;
    }
    if (offset + 4 <= length) {
      acc ^= (readInt(input, offset) & 0xFFFFFFFFL) * P1;
      acc = Long.rotateLeft(acc, 23) * P2 + P3;
      offset += 4;
    }
    while (offset < length) {
      acc ^= (input[offset] & 0xFFL) * P5;
      acc = Long.rotateLeft(acc, 11) * P1;
      offset++;
    }
    acc ^= acc >>> 33;
    acc *= P2;
    acc ^= acc >>> 29;
    acc *= P3;
    acc ^= acc >>> 32;
    return acc;
  }

  private static long round(long acc, long lane) {
    acc += lane * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long value) {
    acc ^= round(0, value);
    return acc * P1 + P4;
  }

  private static long readLong(byte[] b, int i) {
    return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
        | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48 | (b[i + 7] & 0xFFL) << 56;
  }

  private static int readInt(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
  }
}
