package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestionRateLimiterTest {
  private long nowNanos = 1_000_000_000L;
  private final IngestionRateLimiter limiter = new IngestionRateLimiter(() -> nowNanos);

  private static TenantLimits rate(double samplesPerSecond, int burst) {
    return new TenantLimits(samplesPerSecond, burst, 0, 0);
  }

  @Test
  void takesUpToTheBurstThenRefillsAtTheRate() {
    TenantLimits limits = rate(10, 100);
    assertThat(limiter.tryAcquire("t", 100, limits)).isNull();

    String refused = limiter.tryAcquire("t", 1, limits);
    assertThat(refused).contains("err-narthex-tenant-max-ingestion-rate")
        .contains("set to 10 samples/s with a maximum allowed burst of 100")
        .contains("-distributor.ingestion-rate-limit").contains("-distributor.ingestion-burst-size");

    nowNanos += 1_000_000_000L;
    assertThat(limiter.tryAcquire("t", 10, limits)).isNull();
    assertThat(limiter.tryAcquire("t", 1, limits)).isNotNull();
  }

  @Test
  void tenantsHaveTheirOwnBuckets() {
    TenantLimits limits = rate(1, 5);
    assertThat(limiter.tryAcquire("a", 5, limits)).isNull();
    assertThat(limiter.tryAcquire("a", 1, limits)).isNotNull();
    assertThat(limiter.tryAcquire("b", 5, limits)).isNull();
  }

  @Test
  void aRequestOverTheBurstIsRefusedEvenWithAFullBucket() {
    assertThat(limiter.tryAcquire("t", 101, rate(1_000_000, 100)))
        .contains("its 101 samples are more than the tenant's ingestion burst size of 100")
        .contains("err-narthex-tenant-max-ingestion-rate");
  }

  @Test
  void changedLimitsApplyToTheNextRequest() {
    assertThat(limiter.tryAcquire("t", 100, rate(1, 100))).isNull();
    assertThat(limiter.tryAcquire("t", 50, rate(1, 100))).isNotNull();

    // Raised: from the request that sees it on (as Go's SetLimit), the empty bucket refills at 1000/s.
    assertThat(limiter.tryAcquire("t", 100, rate(1000, 1000))).isNotNull();
    nowNanos += 100_000_000L;
    assertThat(limiter.tryAcquire("t", 100, rate(1000, 1000))).isNull();
    // Lowered: what the bucket holds is cut to the new burst.
    nowNanos += 10_000_000_000L;
    assertThat(limiter.tryAcquire("t", 11, rate(1000, 10))).isNotNull();
    assertThat(limiter.tryAcquire("t", 10, rate(1000, 10))).isNull();
  }

  @Test
  void forgetsTenantsWhoseBucketsHaveRefilled() {
    TenantLimits limits = rate(1000, 10);
    for (int i = 0; i < 1000; i++) {
      limiter.tryAcquire("tenant-" + i, 1, limits);
    }
    nowNanos += 1_000_000_000L;
    for (int i = 0; i < 30; i++) {
      limiter.tryAcquire("active", 1, limits);
    }
    assertThat(limiter.tenantsTracked()).isLessThan(10);
  }
}
