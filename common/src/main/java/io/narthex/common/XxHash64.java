package io.narthex.common;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH64 with seed 0, the hash of {@code github.com/cespare/xxhash/v2}'s {@code Sum64} (Prometheus's
 * {@code labels.Hash}, Alertmanager's {@code notify.hashAlert}). Written from the algorithm's specification
 * (Cyan4973/xxHash, doc/xxhash_spec.md): four lanes over 32-byte stripes, then 8-, 4- and 1-byte tails and the final
 * avalanche; multi-byte reads are little endian. None of the libraries the build already has exposes XXH64 (hash4j
 * has XXH3 only, aircompressor keeps its copy package-private).
 */
public final class XxHash64 {
  private static final long PRIME_1 = 0x9E3779B185EBCA87L;
  private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
  private static final long PRIME_3 = 0x165667B19E3779F9L;
  private static final long PRIME_4 = 0x85EBCA77C2B2AE63L;
  private static final long PRIME_5 = 0x27D4EB2F165667C5L;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private XxHash64() {}

  /** The 64-bit hash of {@code data}, as Go's {@code xxhash.Sum64(data)} (an unsigned value). */
  public static long hash(byte[] data) {
    return hash(data, data.length);
  }

  /** The 64-bit hash of {@code data[0, length)}, as Go's {@code xxhash.Sum64(data[:length])} (an unsigned value). */
  public static long hash(byte[] data, int length) {
    int i = 0;
    long h;
    if (length >= 32) {
      long v1 = PRIME_1 + PRIME_2;
      long v2 = PRIME_2;
      long v3 = 0;
      long v4 = -PRIME_1;
      for (; i <= length - 32; i += 32) {
        v1 = round(v1, (long) LONGS.get(data, i));
        v2 = round(v2, (long) LONGS.get(data, i + 8));
        v3 = round(v3, (long) LONGS.get(data, i + 16));
        v4 = round(v4, (long) LONGS.get(data, i + 24));
      }
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = PRIME_5;
    }
    h += length;
    for (; i <= length - 8; i += 8) {
      h ^= round(0, (long) LONGS.get(data, i));
      h = Long.rotateLeft(h, 27) * PRIME_1 + PRIME_4;
    }
    if (i <= length - 4) {
      h ^= Integer.toUnsignedLong((int) INTS.get(data, i)) * PRIME_1;
      h = Long.rotateLeft(h, 23) * PRIME_2 + PRIME_3;
      i += 4;
    }
    for (; i < length; i++) {
      h ^= (data[i] & 0xffL) * PRIME_5;
      h = Long.rotateLeft(h, 11) * PRIME_1;
    }
    h ^= h >>> 33;
    h *= PRIME_2;
    h ^= h >>> 29;
    h *= PRIME_3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long lane) {
    return Long.rotateLeft(acc + lane * PRIME_2, 31) * PRIME_1;
  }

  private static long mergeRound(long acc, long value) {
    return (acc ^ round(0, value)) * PRIME_1 + PRIME_4;
  }
}
