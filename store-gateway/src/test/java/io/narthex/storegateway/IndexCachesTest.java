package io.narthex.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.block.IndexCache;
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
    double seriesRequests = requests("series");
    double seriesHits = hits("series");
    double chunksRequests = requests("chunks");

    caches.put(Kind.SERIES, "01ULID/series/42", new byte[] {1, 2, 3});
    assertThat(caches.get(Kind.SERIES, "01ULID/series/42")).containsExactly(1, 2, 3);
    assertThat(caches.get(Kind.SERIES, "01ULID/series/43")).isNull();

    assertThat(requests("series") - seriesRequests).isEqualTo(2);
    assertThat(hits("series") - seriesHits).isEqualTo(1);
    assertThat(requests("chunks") - chunksRequests).isZero();
  }

  @Test
  void staysWithinItsSizeInBytesByEvicting() {
    caches = new IndexCaches(10_000, 1 << 20, 1 << 20);
    double evictions = caches.metrics().cacheEvictions.labelValues("postings").get();

    for (int i = 0; i < 100; i++) {
      caches.put(Kind.POSTINGS, "postings-" + i, new byte[1000]);
    }

    assertThat(caches.weightedSizeBytes(Kind.POSTINGS)).isPositive().isLessThanOrEqualTo(10_000);
    assertThat(caches.metrics().cacheEvictions.labelValues("postings").get() - evictions).isGreaterThan(80);
    assertThat(caches.weightedSizeBytes(Kind.SERIES)).isZero();
  }

  @Test
  void cachesNothingWithASizeOfZero() {
    caches = new IndexCaches(1 << 20, 1 << 20, 0);

    caches.put(Kind.CHUNKS, "chunk", new byte[] {1});

    assertThat(caches.get(Kind.CHUNKS, "chunk")).isNull();
  }

  @Test
  void keepsTheItemsOfTenantsApart() {
    caches = new IndexCaches(1 << 20, 1 << 20, 1 << 20);
    IndexCache tenantA = caches.forTenant("tenant-a");
    IndexCache tenantB = caches.forTenant("tenant-b");

    tenantA.put(Kind.POSTINGS, "01ULID/postings/job=api", new byte[] {7});

    assertThat(tenantA.get(Kind.POSTINGS, "01ULID/postings/job=api")).containsExactly(7);
    assertThat(tenantB.get(Kind.POSTINGS, "01ULID/postings/job=api")).isNull();
  }
}
