package io.narthex.distributor;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Forgets tenants that sent nothing for a while: their per-tenant metric series are removed, as Mimir drops an
 * inactive tenant's metrics, so that tenant ids sent once (or sprayed by a hostile client) do not grow
 * {@code /metrics} for good. Tenants are looked at once a minute at most; a push costs one map write.
 */
final class InactiveTenants {
  private static final long SWEEP_EVERY_NANOS = 60_000_000_000L;

  private final LongSupplier nanoTime;
  private final long idleNanos;
  private final Consumer<String> forget;
  private final ConcurrentHashMap<String, Long> lastSeenNanos = new ConcurrentHashMap<>();
  private final AtomicLong lastSweepNanos;

  /**
   * @param idle how long a tenant may send nothing before it is forgotten
   * @param forget called once for each forgotten tenant
   */
  InactiveTenants(LongSupplier nanoTime, Duration idle, Consumer<String> forget) {
    this.nanoTime = nanoTime;
    this.idleNanos = idle.toNanos();
    this.forget = forget;
    this.lastSweepNanos = new AtomicLong(nanoTime.getAsLong());
  }

  /** Records a push of {@code tenant}, and forgets the tenants idle too long when a sweep is due. */
  void seen(String tenant) {
    long now = nanoTime.getAsLong();
    lastSeenNanos.put(tenant, now);
    long last = lastSweepNanos.get();
    if (now - last >= SWEEP_EVERY_NANOS && lastSweepNanos.compareAndSet(last, now)) {
      lastSeenNanos.entrySet().removeIf(entry -> {
        boolean idle = now - entry.getValue() > idleNanos;
        if (idle) {
          forget.accept(entry.getKey());
        }
        return idle;
      });
    }
  }

  int tracked() {
    return lastSeenNanos.size();
  }
}
