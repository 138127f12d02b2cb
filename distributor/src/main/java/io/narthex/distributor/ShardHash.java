package io.narthex.distributor;

import com.dynatrace.hash4j.hashing.Hashing;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.tsdb.head.SeriesIdentity;

/**
 * The shard of a tenant's series: its {@link SeriesIdentity} low half (XXH3 of the label names and values in UTF-8,
 * each followed by {@code 0xff}) mixed with XXH3 of the tenant, modulo the shard count. The tenant is hashed once,
 * here, for every series of a push.
 */
final class ShardHash {
  private final long tenantHash;
  private final int shardCount;

  ShardHash(String tenant, int shardCount) {
    this.tenantHash = Hashing.xxh3_64().hashCharsToLong(tenant);
    this.shardCount = shardCount;
  }

  /**
   * The shard of {@code series}. Every name and value must have passed {@link WireTimeSeries#isValidUtf8} (the push
   * path's {@link SeriesValidator#isClean}, or a series re-encoded from strings), or a {@code 0xff} inside one would
   * give the canonical bytes, and so the shard, of another label set.
   */
  int shardOf(WireTimeSeries series) {
    if (shardCount == 1) {
      return 0;
    }
    return mix(series.identityLowOfValidUtf8() ^ tenantHash, shardCount);
  }

  static int mix(long h, int shardCount) {
    // Murmur3's 64-bit finalizer: every bit of both hashes reaches the low bits the modulo keeps.
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, shardCount);
  }
}
