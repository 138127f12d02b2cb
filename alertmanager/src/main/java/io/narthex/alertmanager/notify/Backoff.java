package io.narthex.alertmanager.notify;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The waits between send attempts, as the {@code cenkalti/backoff} ExponentialBackOff Alertmanager's RetryStage
 * uses with its defaults: 500 ms, growing 1.5 times each attempt up to 60 s, each wait drawn within ±50% of the
 * current interval. Not thread-safe: one per notification.
 */
final class Backoff {
  static final Duration INITIAL = Duration.ofMillis(500);
  static final Duration MAX_INTERVAL = Duration.ofSeconds(60);
  static final double MULTIPLIER = 1.5;
  static final double RANDOMIZATION = 0.5;

  private final RandomGenerator random;
  private double intervalNanos = INITIAL.toNanos();

  Backoff(RandomGenerator random) {
    this.random = random;
  }

  /** The wait before the next attempt. */
  Duration next() {
    double delta = RANDOMIZATION * intervalNanos;
    double low = intervalNanos - delta;
    double high = intervalNanos + delta;
    long wait = (long) (low + random.nextDouble() * (high - low + 1));
    intervalNanos = Math.min(intervalNanos * MULTIPLIER, MAX_INTERVAL.toNanos());
    return Duration.ofNanos(wait);
  }
}
