package io.narthex.promql;

/**
 * The parameters a {@link RangeFunctions.RangeFunction} reads at one step of one series: samples {@code [lo, hi)} of
 * the series' arrays (timestamps in milliseconds, ascending), the window {@code (endMs - rangeMs, endMs]}, the step's
 * evaluation time, and the call's scalar arguments at that step.
 *
 * <p>{@link FunctionCalls#applyRange} moves one instance over every series and step of a call. It is a mutable class
 * rather than a record because a record per step would allocate in the innermost loop.
 */
final class RangeWindow {
  long[] timestampsMs;
  double[] values;
  int lo;
  int hi;
  long endMs;
  final long rangeMs;
  /** The time of the step being evaluated, ms; differs from {@link #endMs} by the offset or an {@code @} time. */
  long stepTimeMs;
  int step;
  /** Per argument position of the call, that argument's value at every step, or null when it is not a scalar. */
  private final double[][] scalarArgs;

  RangeWindow(long rangeMs, double[][] scalarArgs) {
    this.rangeMs = rangeMs;
    this.scalarArgs = scalarArgs;
  }

  /** Samples in the window. */
  int count() {
    return hi - lo;
  }

  /**
   * The scalar argument at {@code position} of the call (0-based, as written in the query) at this step, e.g. 0 for
   * {@code quantile_over_time}'s φ and 1 for {@code predict_linear}'s t.
   */
  double scalarArg(int position) {
    return scalarArgs[position][step];
  }
}
