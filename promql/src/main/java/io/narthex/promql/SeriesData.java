package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;

/** Raw samples of one series, loaded once per query: timestamps ascending (ms) and values. */
record SeriesData(Labels labels, long[] timestampsMs, double[] values, int size) {
  /** Index of the last sample with timestamp {@code <= tMs}, or -1. */
  int lastAtOrBefore(long tMs) {
    int lo = 0;
    int hi = size - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (timestampsMs[mid] <= tMs) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
