package io.narthex.ruler.eval;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The bound on group evaluations running at once: {@code max} in the process, and at most half of them (rounded up)
 * for one tenant, so that a tenant whose evaluations hang leaves slots to the others. A tenant's slot is taken before
 * a process slot, so a tenant at its share waits without holding one of the process's. Both are fair semaphores.
 */
final class EvaluationSlots {
  private final Semaphore process;
  private final int perTenant;
  private final Map<String, Semaphore> tenants = new ConcurrentHashMap<>();

  EvaluationSlots(int max) {
    this.process = new Semaphore(max, true);
    this.perTenant = (max + 1) / 2;
  }

  /** Waits for a slot of the tenant and one of the process. */
  void acquire(String tenant) throws InterruptedException {
    Semaphore own = of(tenant);
    own.acquire();
    try {
      process.acquire();
    } catch (InterruptedException e) {
      own.release();
      throw e;
    }
  }

  /** Takes both slots if both are free now, else neither. */
  boolean tryAcquire(String tenant) {
    Semaphore own = of(tenant);
    if (!own.tryAcquire()) {
      return false;
    }
    if (!process.tryAcquire()) {
      own.release();
      return false;
    }
    return true;
  }

  void release(String tenant) {
    process.release();
    of(tenant).release();
  }

  private Semaphore of(String tenant) {
    return tenants.computeIfAbsent(tenant, t -> new Semaphore(perTenant, true));
  }
}
