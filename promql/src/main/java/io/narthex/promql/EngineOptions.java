package io.narthex.promql;

import java.time.Duration;

/**
 * Engine limits.
 *
 * @param lookbackDelta how far back an instant selector looks for the latest sample (Prometheus default 5m)
 * @param maxSamples the most samples a query may hold in memory at once before failing with {@link ErrorType#EXECUTION}
 * @param timeout wall-clock budget of one query; exceeding it fails with {@link ErrorType#TIMEOUT}
 */
public record EngineOptions(Duration lookbackDelta, int maxSamples, Duration timeout) {
  public static EngineOptions defaults() {
    return new EngineOptions(Duration.ofMinutes(5), 50_000_000, Duration.ofMinutes(2));
  }
}
