package io.narthex.promql;

import java.util.List;

/**
 * What an expression evaluates to over a {@link StepGrid}, before {@link Engine} turns it into a public {@link Value}
 * ({@link Vector}, {@link Scalar}, {@link StringValue} or {@link Matrix}, Prometheus's value types).
 */
sealed interface Result {
  /** An instant vector at every step: each series with its value and presence per step. */
  record StepVector(List<StepSeries> series) implements Result {}

  /** A scalar at every step, one value per step index. */
  record StepScalar(double[] values) implements Result {}

  /** A string, the same at every step. */
  record StepString(String value) implements Result {}
}
