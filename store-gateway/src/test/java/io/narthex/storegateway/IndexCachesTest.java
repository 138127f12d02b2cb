package io.narthex.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.block.IndexCache;
import io.narthex.tsdb.block.IndexCache.Key;
import io.narthex.tsdb.block.IndexCache.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IndexCachesTest {
  private IndexCaches caches;

  @AfterEach
  void tearDown() {
    if (caches != null) {
      caches.close();
    }
  }

  private double requests(String cache) {
    return caches.metrics().cacheRequests.labelValues(cache).get();
  }

  private double hits(String cache) {
    return caches.metrics().cacheHits.labelValues(cache).get();
  }

  @Test
  void countsRequestsAndHitsPerCache() {
    caches = new IndexCaches(1 << 20, 1 << 20, 1 << 20);
    IndexCache cache = caches.forTenant("tenant-a");
    double seriesRequests = requests("series");
    double seriesHits = hits("series");
    double chunksRequests = requests("chunks");

    cache.put(Kind.SERIES, Key.of("01ULID", 42), new byte[] {1, 2, 3});
    assertThat(cache.get(Kind.SERIES, Key.of("01ULID", 42))).containsExactly(1, 2, 3);
    assertThat(cache.get(Kind.SERIES, Key.of("01ULID", 43))).isNull();
    assertThat(cache.get(Kind.CHUNKS, Key.of("01ULID", 42))).isNull();

    assertThat(requests("series") - seriesRequests).isEqualTo(2);
    assertThat(hits("series") - seriesHits).isEqualTo(1);
    assertThat(requests("chunks") - chunksRequests).isEqualTo(1);
  }

  @Test
  void staysWithinItsSizeInBytesByEvicting() {
    caches = new IndexCaches(10_000, 1 << 20, 1 << 20);
    IndexCache cache = caches.forTenant("tenant-a");
    double evictions = caches.metrics().cacheEvictions.labelValues("postings").get();

    for (int i = 0; i < 100; i++) {
      cache.put(Kind.POSTINGS, Key.postings("01ULID", "job", "api-" + i), new byte[1000]);
    }

    assertThat(caches.weightedSizeBytes(Kind.POSTINGS)).isPositive().isLessThanOrEqualTo(10_000);
    assertThat(caches.metrics().cacheEvictions.labelValues("postings").get() - evictions).isGreaterThan(80);
    assertThat(caches.weightedSizeBytes(Kind.SERIES)).isZero();
  }

  @Test
  void cachesNothingWithASizeOfZero() {
    caches = new IndexCaches(1 << 20, 1 << 20, 0);
    IndexCache cache = caches.forTenant("tenant-a");

    cache.put(Kind.CHUNKS, Key.of("01ULID", 8), new byte[] {1});

    assertThat(cache.get(Kind.CHUNKS, Key.of("01ULID", 8))).isNull();
  }

  @Test
  void keepsTheItemsOfTenantsApart() {
    caches = new IndexCaches(1 << 20, 1 << 20, 1 << 20);
    IndexCache tenantA = caches.forTenant("tenant-a");
    IndexCache tenantB = caches.forTenant("tenant-b");

    tenantA.put(Kind.POSTINGS, Key.postings("01ULID", "job", "api"), new byte[] {7});

    assertThat(tenantA.get(Kind.POSTINGS, Key.postings("01ULID", "job", "api"))).containsExactly(7);
    assertThat(tenantB.get(Kind.POSTINGS, Key.postings("01ULID", "job", "api"))).isNull();
    // Keys equal by value, not by instance: a reader builds a new key for every lookup.
    assertThat(tenantA.get(Kind.POSTINGS, Key.postings(new String("01ULID"), "job", new String("api"))))
        .containsExactly(7);
  }
}
