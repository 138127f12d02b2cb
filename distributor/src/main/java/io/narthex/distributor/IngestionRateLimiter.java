package io.narthex.distributor;

import io.narthex.common.ErrorId;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-tenant token buckets over samples, as Go's {@code rate.Limiter} that Mimir's distributor uses: a bucket holds
 * up to {@code ingestion_burst_size} samples, refills at {@code ingestion_rate} per second and starts full; a request
 * takes all its samples or none. Limits are read on every request, so a runtime-config change applies to the next
 * one. Enforced per distributor (Cortex's "local" strategy): with N distributors behind a balancer a tenant may
 * send up to N times the rate. Thread-safe.
 */
final class IngestionRateLimiter {
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private int callsSinceSweep;

  /** @param nanoTime monotonic clock in nanoseconds, {@code System::nanoTime} outside tests */
  IngestionRateLimiter(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * Takes {@code samples} from the tenant's bucket.
   *
   * @return null when taken, else the refusal with its error id, naming the limits and the flags that raise them
   */
  String tryAcquire(String tenant, long samples, TenantLimits limits) {
    if (samples == 0 || limits.ingestionRate() == Double.POSITIVE_INFINITY) {
      return null;
    }
    long now = nanoTime.getAsLong();
    sweepNow(now);
    Bucket bucket = buckets.computeIfAbsent(tenant, t -> new Bucket(now, limits));
    if (bucket.tryTake(now, samples, limits)) {
      return null;
    }
    String rate = String.format(Locale.ROOT, "%s", limits.ingestionRate()).replaceAll("\\.0$", "");
    String why = samples > limits.ingestionBurstSize()
        ? String.format(Locale.ROOT, "the request has been rejected because its %d samples are more than the"
            + " tenant's ingestion burst size of %d, which no request can exceed", samples,
            limits.ingestionBurstSize())
        : String.format(Locale.ROOT, "the request has been rejected because the tenant exceeded the ingestion rate"
            + " limit, set to %s samples/s with a maximum allowed burst of %d. This limit is applied per distributor,"
            + " to the valid samples of each request", rate, limits.ingestionBurstSize());
    return ErrorId.TENANT_MAX_INGESTION_RATE.format("%s", why) + ". To adjust the related per-tenant limits,"
        + " configure " + TenantLimits.INGESTION_RATE_FLAG + " and " + TenantLimits.INGESTION_BURST_SIZE_FLAG
        + ", or the tenant's ingestion_rate and ingestion_burst_size in the runtime config.";
  }

  int tenantsTracked() {
    return buckets.size();
  }

  /** Now and then, forgets buckets that have refilled: a full bucket is what a new one would be. */
  private void sweepNow(long now) {
    synchronized (this) {
      if (++callsSinceSweep < 1024) {
        return;
      }
      callsSinceSweep = 0;
    }
    buckets.values().removeIf(bucket -> bucket.isFullAt(now));
  }

  private static final class Bucket {
    private long lastNanos;
    private double tokens;
    private double rate;
    private int burst;

    Bucket(long now, TenantLimits limits) {
      lastNanos = now;
      rate = limits.ingestionRate();
      burst = limits.ingestionBurstSize();
      tokens = burst;
    }

    synchronized boolean tryTake(long now, long samples, TenantLimits limits) {
      refill(now);
      if (limits.ingestionRate() != rate || limits.ingestionBurstSize() != burst) {
        rate = limits.ingestionRate();
        burst = limits.ingestionBurstSize();
        tokens = Math.min(tokens, burst);
      }
      if (samples > tokens) {
        return false;
      }
      tokens -= samples;
      return true;
    }

    synchronized boolean isFullAt(long now) {
      refill(now);
      return tokens >= burst;
    }

    private void refill(long now) {
      double elapsedSeconds = Math.max(0, now - lastNanos) / 1e9;
      lastNanos = now;
      tokens = Math.min(burst, tokens + elapsedSeconds * rate);
    }
  }
}
