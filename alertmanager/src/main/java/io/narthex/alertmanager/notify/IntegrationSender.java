package io.narthex.alertmanager.notify;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One integration of a tenant's receiver with Alertmanager's RetryStage around it (notify/notify.go, 0.25): an
 * attempt at once, then after each retryable failure another after the {@link Backoff} wait, until the attempt
 * succeeds, fails for good, or the notification's time is up (the group interval, at least 10 s, as Alertmanager's
 * notify timeout); then the notification counts as failed with the last error's reason. Before each attempt,
 * Mimir's rate limit takes a token: without one the attempt fails, not retried
 * ({@code failed to notify due to rate limits}). Thread-safe.
 */
final class IntegrationSender {
  private static final Logger log = LoggerFactory.getLogger(IntegrationSender.class);
  static final String RATE_LIMITED = "failed to notify due to rate limits";

  private final String tenant;
  /** {@code <receiver>/<kind>[<index>]}, as Alertmanager's integration String. */
  private final String name;
  private final String kind;
  private final Notifier notifier;
  private final DoubleSupplier rate;
  private final RateLimiter limiter = new RateLimiter();
  private final NotifyMetrics metrics;
  private final RetryClock clock;

  /** @param rate the tenant's current rate limit for this integration, read before each attempt */
  IntegrationSender(String tenant, String name, String kind, Notifier notifier, DoubleSupplier rate,
      NotifyMetrics metrics, RetryClock clock) {
    this.tenant = tenant;
    this.name = name;
    this.kind = kind;
    this.notifier = notifier;
    this.rate = rate;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Sends with retries for at most {@code timeout}.
   *
   * @return whether the notification was delivered
   */
  boolean send(Message message, Duration timeout) {
    metrics.notifications.labelValues(tenant, kind).inc();
    long deadline = clock.nanoTime() + timeout.toNanos();
    Backoff backoff = new Backoff(ThreadLocalRandom.current());
    NotifyException last = null;
    for (int attempt = 1; ; attempt++) {
      if (attempt > 1) {
        Duration wait = backoff.next();
        if (clock.nanoTime() + wait.toNanos() >= deadline) {
          return failed(last, attempt - 1, "notify retry canceled after " + (attempt - 1) + " attempts");
        }
        try {
          clock.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return failed(last, attempt - 1, "notify retry canceled after " + (attempt - 1) + " attempts");
        }
      }
      long start = clock.nanoTime();
      try {
        if (!limiter.allow(rate.getAsDouble(), start)) {
          metrics.rateLimited.labelValues(tenant, kind).inc();
          throw NotifyException.permanent(RATE_LIMITED + " ("
              + io.narthex.common.ErrorId.ALERTMANAGER_NOTIFICATION_RATE_LIMITED.id() + ")");
        }
        notifier.send(message, Duration.ofNanos(Math.max(1, deadline - start)));
        observe(start);
        return true;
      } catch (RuntimeException e) {
        // A bug or a config the parser let through: this notification fails, the tenant's others go on.
        observe(start);
        metrics.requestsFailed.labelValues(tenant, kind).inc();
        return failed(NotifyException.permanent(e.toString()), attempt, "notify failed unexpectedly after "
            + attempt + " attempts");
      } catch (NotifyException e) {
        observe(start);
        metrics.requestsFailed.labelValues(tenant, kind).inc();
        if (!e.retry()) {
          return failed(e, attempt, "notify retry canceled due to unrecoverable error after " + attempt
              + " attempts");
        }
        if (last == null || !last.getMessage().equals(e.getMessage())) {
          log.warn("Notify attempt failed, will retry later user={} integration={} attempts={} err=\"{}\"", tenant,
              name, attempt, e.getMessage());
        }
        last = e;
      }
    }
  }

  private void observe(long startNanos) {
    metrics.latencySeconds.labelValues(tenant, kind).observe((clock.nanoTime() - startNanos) / 1e9);
    metrics.requests.labelValues(tenant, kind).inc();
  }

  private boolean failed(NotifyException last, int attempts, String what) {
    NotifyException.Reason reason = last == null ? NotifyException.Reason.OTHER : last.reason();
    metrics.notificationsFailed.labelValues(tenant, kind, reason.label).inc();
    log.error("Notify for alerts failed user={} integration={} err=\"{}: {}{}\"", tenant, name, name, what,
        last == null ? "" : ": " + last.getMessage());
    return false;
  }
}
