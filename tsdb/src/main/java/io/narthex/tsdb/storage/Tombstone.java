package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.List;

/**
 * A deletion request, as Prometheus's {@code delete_series}: the samples in {@code [minTimeMs, maxTimeMs]} (both
 * inclusive, milliseconds) of every series matching all matchers are deleted.
 */
public record Tombstone(List<Matcher> matchers, long minTimeMs, long maxTimeMs) {
  public Tombstone {
    matchers = List.copyOf(matchers);
    if (matchers.isEmpty()) {
      throw new IllegalArgumentException("a tombstone needs at least one matcher");
    }
    if (maxTimeMs < minTimeMs) {
      throw new IllegalArgumentException("tombstone end " + maxTimeMs + " before its start " + minTimeMs);
    }
  }

  /** Whether the series' labels match every matcher (a missing label is the empty value, as in PromQL). */
  public boolean matches(Labels labels) {
    for (Matcher matcher : matchers) {
      if (!matcher.matches(labels.get(matcher.name()))) {
        return false;
      }
    }
    return true;
  }

  public boolean overlaps(long minTimeMs, long maxTimeMs) {
    return this.minTimeMs <= maxTimeMs && minTimeMs <= this.maxTimeMs;
  }
}
