package io.narthex.promql;

import java.util.List;

/**
 * A range-vector argument: raw samples per series plus how to cut the window (t - range, t] for each step, where
 * t is the step time (or the {@code @} time when {@code atMs} is non-null) minus the offset.
 */
record RangeArg(List<SeriesData> series, long rangeMs, long offsetMs, Long atMs) {
  long windowEnd(Ctx ctx, int step) {
    return (atMs != null ? atMs : ctx.time(step)) - offsetMs;
  }
}
