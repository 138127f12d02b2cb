package io.narthex.tsdb.storage;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.List;

/**
 * The tombstones of one tenant, applied to series as readers see them: at query time ({@link #filter}) and when
 * the compactor rewrites blocks ({@link #apply}). Deleted intervals of a series are the ranges of every tombstone
 * matching it, merged.
 */
public final class Tombstones {
  public static final Tombstones NONE = new Tombstones(List.of());
  private static final int SAMPLES_PER_CHUNK = 120;

  private final List<Tombstone> tombstones;

  public Tombstones(List<Tombstone> tombstones) {
    this.tombstones = List.copyOf(tombstones);
  }

  public boolean isEmpty() {
    return tombstones.isEmpty();
  }

  /** Deleted {@code [min, max]} intervals of the series, sorted and merged; empty when none applies. */
  public List<long[]> intervals(Labels labels) {
    if (tombstones.isEmpty()) {
      return List.of();
    }
    List<long[]> matched = new ArrayList<>();
    for (Tombstone tombstone : tombstones) {
      if (tombstone.matches(labels)) {
        matched.add(new long[] {tombstone.minTimeMs(), tombstone.maxTimeMs()});
      }
    }
    if (matched.size() < 2) {
      return matched;
    }
    matched.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> merged = new ArrayList<>();
    long[] current = matched.getFirst().clone();
    for (int i = 1; i < matched.size(); i++) {
      long[] next = matched.get(i);
      if (next[0] <= current[1] + 1 || current[1] == Long.MAX_VALUE) {
        current[1] = Math.max(current[1], next[1]);
      } else {
        merged.add(current);
        current = next.clone();
      }
    }
    merged.add(current);
    return merged;
  }

  private static boolean deleted(List<long[]> intervals, long timestampMs) {
    for (int i = 0; i < intervals.size(); i++) {
      long[] interval = intervals.get(i);
      if (timestampMs < interval[0]) {
        return false;
      }
      if (timestampMs <= interval[1]) {
        return true;
      }
    }
    return false;
  }

  /** The series as a query sees it: deleted samples skipped. The same object when nothing of it is deleted. */
  public Series filter(Series series) {
    List<long[]> intervals = intervals(series.labels());
    if (intervals.isEmpty()) {
      return series;
    }
    return new Series() {
      @Override
      public Labels labels() {
        return series.labels();
      }

      @Override
      public SampleIterator iterator() {
        SampleIterator inner = series.iterator();
        return new SampleIterator() {
          @Override
          public boolean next() {
            while (inner.next()) {
              if (!deleted(intervals, inner.timestampMs())) {
                return true;
              }
            }
            return false;
          }

          @Override
          public boolean seek(long timestampMs) {
            if (!inner.seek(timestampMs)) {
              return false;
            }
            return !deleted(intervals, inner.timestampMs()) || next();
          }

          @Override
          public long timestampMs() {
            return inner.timestampMs();
          }

          @Override
          public double value() {
            return inner.value();
          }
        };
      }
    };
  }

  /**
   * The series with its deleted samples removed from the chunks, for rewriting blocks: chunks that overlap no
   * deleted interval are kept byte for byte, the others are re-encoded. Null when no sample is left.
   */
  public EncodedSeries apply(EncodedSeries series) {
    List<long[]> intervals = intervals(series.labels());
    if (intervals.isEmpty()) {
      return series;
    }
    List<EncodedChunk> kept = new ArrayList<>(series.chunks().size());
    XorIterator it = new XorIterator();
    for (EncodedChunk chunk : series.chunks()) {
      boolean touched = false;
      for (long[] interval : intervals) {
        touched |= chunk.overlaps(interval[0], interval[1]);
      }
      if (!touched) {
        kept.add(chunk);
        continue;
      }
      it.reset(chunk.data());
      XorAppender appender = null;
      while (it.next()) {
        if (deleted(intervals, it.timestampMs())) {
          continue;
        }
        if (appender == null || appender.numSamples() >= SAMPLES_PER_CHUNK) {
          if (appender != null) {
            kept.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
          }
          appender = new XorAppender();
        }
        appender.append(it.timestampMs(), it.value());
      }
      if (appender != null && appender.numSamples() > 0) {
        kept.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
      }
    }
    return kept.isEmpty() ? null : new EncodedSeries(series.labels(), kept);
  }
}
