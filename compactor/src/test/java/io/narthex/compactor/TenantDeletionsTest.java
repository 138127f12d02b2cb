package io.narthex.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.LoadingCache;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deletion-request cache is keyed by client input: it must forget tenants and stay bounded. */
class TenantDeletionsTest {
  @TempDir Path dir;

  @Test
  void forgetsTenantsNotAskedForWithinAnHourAndKeepsAtMostTheMaximum() throws Exception {
    AtomicLong nanos = new AtomicLong();
    try (Bucket bucket = Buckets.filesystem("deletions", dir)) {
      LoadingCache<String, TenantDeletions.Deletions> cache =
          TenantDeletions.cache(bucket, Duration.ofMinutes(15), nanos::get, Runnable::run);
      for (int i = 0; i < TenantDeletions.MAX_TENANTS + 500; i++) {
        assertThat(cache.get("tenant-" + i).entries()).isEmpty();
      }
      cache.cleanUp();
      assertThat(cache.estimatedSize()).isLessThanOrEqualTo(TenantDeletions.MAX_TENANTS);

      nanos.addAndGet(Duration.ofMinutes(59).toNanos());
      cache.get("tenant-0");
      nanos.addAndGet(Duration.ofMinutes(2).toNanos());
      cache.cleanUp();
      assertThat(cache.asMap().keySet()).containsExactly("tenant-0");
    }
  }
}
