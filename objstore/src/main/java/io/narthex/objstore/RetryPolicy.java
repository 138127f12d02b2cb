package io.narthex.objstore;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How {@link RetryingBucket} retries transient failures: at most {@code maxAttempts} calls in all,
 * waiting between them an exponential backoff that starts at {@code initialBackoff}, doubles each
 * time, is capped at {@code maxBackoff}, and is jittered to between half and all of that value.
 *
 * @param maxAttempts calls in all, at least 1 (1 means no retry)
 * @param initialBackoff the wait after the first failed attempt, before jitter; not negative
 * @param maxBackoff the cap on any one wait; not below {@code initialBackoff}
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  /** 3 attempts, 100 ms doubling up to 3 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(3));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialBackoff <= maxBackoff, got " + initialBackoff + " and " + maxBackoff);
    }
  }

  /** The default backoff with {@code maxRetries} retries after the first attempt. */
  public static RetryPolicy withMaxRetries(int maxRetries) {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
    return new RetryPolicy(maxRetries + 1, DEFAULT.initialBackoff, DEFAULT.maxBackoff);
  }

  /** The wait after failed attempt number {@code attempt} (1-based), jittered. */
  Duration backoff(int attempt) {
    long capNanos = maxBackoff.toNanos();
    long nanos = initialBackoff.toNanos();
    for (int i = 1; i < attempt && nanos < capNanos; i++) {
      nanos = nanos > capNanos / 2 ? capNanos : nanos * 2;
    }
    nanos = Math.min(nanos, capNanos);
    long half = nanos / 2;
    return Duration.ofNanos(half + (nanos - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(nanos - half + 1)));
  }
}
