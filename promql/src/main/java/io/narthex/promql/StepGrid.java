package io.narthex.promql;

/**
 * The step grid an expression is evaluated over: start and end inclusive, in milliseconds. Grids are made through
 * {@link Evaluator#grid}, which bounds the number of points by max-samples before anything is allocated.
 */
record StepGrid(long startMs, long endMs, long stepMs) {
  /**
   * Points of the grid [startMs, endMs] by stepMs (1 when stepMs is 0), computed in {@code long} because a subquery
   * such as {@code [30d:1ms]} has more than {@link Integer#MAX_VALUE}; saturates at {@link Long#MAX_VALUE}.
   */
  static long pointCount(long startMs, long endMs, long stepMs) {
    if (stepMs == 0 || endMs < startMs) {
      return 1;
    }
    long spanMs = endMs - startMs;
    if (spanMs < 0) { // overflowed: the span exceeds Long.MAX_VALUE
      return Long.MAX_VALUE;
    }
    long intervals = spanMs / stepMs;
    return intervals == Long.MAX_VALUE ? intervals : intervals + 1;
  }

  /** @throws ArithmeticException when the grid was not bounded by {@link Evaluator#grid} and exceeds an int */
  int steps() {
    return Math.toIntExact(pointCount(startMs, endMs, stepMs));
  }

  long time(int step) {
    return startMs + step * stepMs;
  }
}
