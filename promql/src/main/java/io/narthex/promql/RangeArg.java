package io.narthex.promql;

import java.util.List;

/**
 * A range-vector argument: raw samples per series plus how to cut the window (t - range, t] for each step, where
 * t is the step time (or the {@code @} time when {@code atMs} is non-null) minus the offset. {@code subquerySamples}
 * is what a subquery's inner evaluation counted as queryable samples, or -1 for a range selector.
 */
record RangeArg(List<SeriesData> series, long rangeMs, long offsetMs, Long atMs, long subquerySamples) {
  long windowEnd(StepGrid grid, int step) {
    return (atMs != null ? atMs : grid.time(step)) - offsetMs;
  }
}
