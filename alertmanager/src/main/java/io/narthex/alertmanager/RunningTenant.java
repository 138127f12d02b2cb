package io.narthex.alertmanager;

import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One tenant's Alertmanager in this process and the lock serializing its calls: a local tenant, or a leader's mirror
 * of a tenant's replicated state ({@link ReplicatedDispatch}). Fields other than {@link #nextFlush} are read and
 * written under {@link #lock}.
 */
final class RunningTenant {
  final String id;
  /** The replicated group this tenant's mirror belongs to; -1 in local mode. */
  final int group;
  /** The Raft term in which this process leads the group, which the mirror's sends are fenced to; -1 locally. */
  final long term;
  final ReentrantLock lock = new ReentrantLock();
  final TenantAlertmanager alertmanager;
  private final Clock clock;
  private final Runnable wake;
  /** Whether the tenant has a configuration of its own (local mode). */
  boolean own;
  /** Set once the tenant is out of the map: a caller that raced the removal looks again. */
  boolean removed;
  /** A mirror whose tenant its group dropped ({@code Collect}): dropped too once idle. */
  volatile boolean orphan;
  // The dispatcher's next flush, read by the scheduler without the lock.
  volatile Instant nextFlush;

  /**
   * @param build builds the tenant's Alertmanager with the runner its flushes send on
   * @param wake wakes the scheduler once a completed send may have moved a flush earlier
   */
  RunningTenant(String id, int group, long term, boolean own, Clock clock, Runnable wake,
      Function<TenantAlertmanager.SendRunner, TenantAlertmanager> build) {
    this.id = id;
    this.group = group;
    this.term = term;
    this.own = own;
    this.clock = clock;
    this.wake = wake;
    this.alertmanager = build.apply(this::sendElsewhere);
  }

  /** Sends on a virtual thread, then logs the outcome under the tenant's lock. */
  private void sendElsewhere(Runnable sends, Consumer<Instant> complete) {
    Thread.ofVirtual().name("alertmanager-flush-" + id).start(() -> {
      sends.run();
      lock.lock();
      try {
        complete.accept(clock.instant());
        nextFlush = alertmanager.dispatcher().nextFlush();
      } finally {
        lock.unlock();
      }
      wake.run();
    });
  }

  /** Re-reads the dispatcher's next flush, and returns it; call under the lock after a change. */
  Instant rescheduled() {
    nextFlush = alertmanager.dispatcher().nextFlush();
    return nextFlush;
  }
}
