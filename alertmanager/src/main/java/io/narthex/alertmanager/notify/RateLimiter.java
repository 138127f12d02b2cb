package io.narthex.alertmanager.notify;

/**
 * A token bucket as Go's {@code golang.org/x/time/rate.Limiter}, which Mimir's {@code rateLimitedNotifier} uses: it
 * starts full, holds at most {@code burst} tokens and gains {@code rate} a second; each notification takes one. The
 * rate may change between calls (a runtime config reload); the tokens are kept. Thread-safe.
 */
final class RateLimiter {
  private double rate = Double.POSITIVE_INFINITY;
  private int burst;
  private double tokens;
  private long lastNanos;
  private boolean started;

  /**
   * Takes a token if there is one.
   *
   * @param rate tokens a second; infinite for no limit
   * @param nowNanos a monotonic clock
   */
  synchronized boolean allow(double rate, long nowNanos) {
    if (Double.isInfinite(rate)) {
      this.rate = rate;
      return true;
    }
    int newBurst = NotifyLimits.burst(rate);
    if (!started || Double.isInfinite(this.rate)) {
      tokens = newBurst;
      started = true;
    } else {
      tokens = Math.min(newBurst, tokens + (nowNanos - lastNanos) / 1e9 * this.rate);
    }
    this.rate = rate;
    burst = newBurst;
    lastNanos = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
