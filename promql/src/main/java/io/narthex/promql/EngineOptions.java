package io.narthex.promql;

import java.time.Duration;

/**
 * Engine limits.
 *
 * @param lookbackDelta how far back an instant selector looks for the latest sample (Prometheus default 5m)
 * @param maxSamples the most samples a query may hold in memory at once before failing with {@link ErrorType#EXECUTION}
 * @param timeout wall-clock budget of one query; exceeding it fails with {@link ErrorType#TIMEOUT}
 * @param defaultEvaluationInterval the step of a subquery written without one ({@code rate(x[5m:])}): Prometheus's
 *     global {@code evaluation_interval}, Mimir's {@code -querier.default-evaluation-interval} (default 1m); whole
 *     milliseconds, positive
 * @throws IllegalArgumentException when {@code defaultEvaluationInterval} is below one millisecond
 */
public record EngineOptions(Duration lookbackDelta, int maxSamples, Duration timeout,
    Duration defaultEvaluationInterval) {
  /** Prometheus's and Mimir's default step of subqueries without one. */
  public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofMinutes(1);

  public EngineOptions {
    if (defaultEvaluationInterval.toMillis() < 1) {
      throw new IllegalArgumentException("default evaluation interval must be at least 1ms, got "
          + defaultEvaluationInterval);
    }
  }

  /** Options with the default evaluation interval of 1m. */
  public EngineOptions(Duration lookbackDelta, int maxSamples, Duration timeout) {
    this(lookbackDelta, maxSamples, timeout, DEFAULT_EVALUATION_INTERVAL);
  }

  public static EngineOptions defaults() {
    return new EngineOptions(Duration.ofMinutes(5), 50_000_000, Duration.ofMinutes(2));
  }
}
