package io.narthex.tsdb.storage;

import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import java.util.List;

/**
 * A read view of one stored series: decodes its chunks lazily and yields only samples in a time window
 * {@code [minTimeMs, maxTimeMs]}, both inclusive. Holds the stored series and the window, no samples.
 * Chunks must be sorted by time and not overlap.
 */
public final class WindowedSeries implements Series {
  private final EncodedSeries series;
  private final long minTimeMs;
  private final long maxTimeMs;

  public WindowedSeries(EncodedSeries series, long minTimeMs, long maxTimeMs) {
    this.series = series;
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
  }

  @Override
  public Labels labels() {
    return series.labels();
  }

  public List<EncodedChunk> chunks() {
    return series.chunks();
  }

  @Override
  public SampleIterator iterator() {
    return new Iter(series.chunks(), minTimeMs, maxTimeMs);
  }

  /** Whether at least one sample falls in the window; decodes at most the chunks up to the first such sample. */
  public boolean hasSamples() {
    return iterator().next();
  }

  @Override
  public String toString() {
    return series.labels() + " (" + series.chunks().size() + " chunks)";
  }

  private static final class Iter extends WindowIterator {
    private final List<EncodedChunk> chunks;
    private final XorIterator chunkIterator = new XorIterator();
    private int chunkIndex = -1;
    private boolean inChunk;

    Iter(List<EncodedChunk> chunks, long minTimeMs, long maxTimeMs) {
      super(minTimeMs, maxTimeMs);
      this.chunks = chunks;
    }

    @Override
    protected boolean nextSample() {
      if (!positioned) {
        return advanceTo(minTimeMs);
      }
      while (true) {
        if (!inChunk && !openNextChunk()) {
          return finish();
        }
        if (chunkIterator.next()) {
          long t = chunkIterator.timestampMs();
          if (t < minTimeMs) {
            continue;
          }
          return take(t, chunkIterator.value());
        }
        inChunk = false;
      }
    }

    @Override
    protected boolean seekSample(long floorMs) {
      return advanceTo(floorMs);
    }

    /** Moves to the first sample at or after {@code targetMs}, skipping whole chunks that end before it. */
    private boolean advanceTo(long targetMs) {
      if (targetMs > maxTimeMs) {
        return finish();
      }
      while (true) {
        if (!inChunk && !openNextChunk()) {
          return finish();
        }
        if (chunks.get(chunkIndex).maxTimeMs() >= targetMs && chunkIterator.seek(targetMs)) {
          return take(chunkIterator.timestampMs(), chunkIterator.value());
        }
        inChunk = false;
      }
    }

    @Override
    protected boolean finish() {
      inChunk = false;
      return super.finish();
    }

    private boolean openNextChunk() {
      while (++chunkIndex < chunks.size()) {
        EncodedChunk chunk = chunks.get(chunkIndex);
        if (chunk.maxTimeMs() < minTimeMs) {
          continue;
        }
        if (chunk.minTimeMs() > maxTimeMs) {
          return false;
        }
        chunkIterator.reset(chunk.data());
        inChunk = true;
        return true;
      }
      return false;
    }
  }
}
