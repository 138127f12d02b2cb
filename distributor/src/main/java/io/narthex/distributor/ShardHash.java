package io.narthex.distributor;

import com.dynatrace.hash4j.hashing.Hashing;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.tsdb.head.SeriesIdentity;

/**
 * The shard of a series: its {@link SeriesIdentity} low half (XXH3 of the label names and values in UTF-8, each
 * followed by {@code 0xff}) mixed with XXH3 of the tenant, modulo the shard count. The same value as
 * {@link WireTimeSeries#identityLow}, without that method's UTF-8 check: the push path has checked every label of
 * the series already ({@link SeriesValidator#isClean}, or re-encoded it from strings), and a second check cost 4-5 %
 * of the distributor's CPU. Keeps one scratch buffer, so one instance per thread.
 */
final class ShardHash {
  private byte[] canonical = new byte[512];

  /**
   * The shard of {@code series} among {@code shardCount}. Every name and value must be valid UTF-8, or a
   * {@code 0xff} inside one would give the canonical bytes, and so the shard, of another label set.
   */
  int shardOf(String tenant, WireTimeSeries series, int shardCount) {
    if (shardCount == 1) {
      return 0;
    }
    return mix(identityLow(series) ^ Hashing.xxh3_64().hashCharsToLong(tenant), shardCount);
  }

  /** {@link WireTimeSeries#identityLow} of a series whose labels are known to be valid UTF-8. */
  long identityLow(WireTimeSeries series) {
    int needed = 0;
    for (int i = 0; i < series.labelCount(); i++) {
      needed += series.nameLength(i) + series.valueLength(i) + 2;
    }
    if (needed > canonical.length) {
      canonical = new byte[Math.max(needed, canonical.length * 2)];
    }
    byte[] buf = series.buffer();
    int n = 0;
    for (int i = 0; i < series.labelCount(); i++) {
      System.arraycopy(buf, series.nameOffset(i), canonical, n, series.nameLength(i));
      n += series.nameLength(i);
      canonical[n++] = SeriesIdentity.SEPARATOR;
      System.arraycopy(buf, series.valueOffset(i), canonical, n, series.valueLength(i));
      n += series.valueLength(i);
      canonical[n++] = SeriesIdentity.SEPARATOR;
    }
    return SeriesIdentity.low(canonical, 0, n);
  }

  static int mix(long h, int shardCount) {
    // Murmur3's 64-bit finalizer: every bit of both hashes reaches the low bits the modulo keeps.
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, shardCount);
  }
}
