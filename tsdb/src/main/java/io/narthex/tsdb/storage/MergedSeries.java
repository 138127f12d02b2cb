package io.narthex.tsdb.storage;

import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import java.util.Arrays;
import java.util.List;

/**
 * A read view of one series whose chunks come from several sources (ingester replicas' heads, blocks, overlapping
 * blocks) and may overlap in time: its iterator merges their samples as it reads them, one sample per timestamp
 * (the earliest chunk's in list order, as {@link ChunkMerger}), without re-encoding them into new chunks, as
 * Prometheus's {@code chainSampleIterator}. Yields only samples in {@code [minTimeMs, maxTimeMs]}, both inclusive.
 * Where no chunks overlap it reads them one after the other, as {@link WindowedSeries}.
 */
public final class MergedSeries implements Series {
  private final Labels labels;
  private final List<EncodedChunk> chunks;
  private final long minTimeMs;
  private final long maxTimeMs;

  /** @param chunks sorted by {@link EncodedChunk#minTimeMs()} (ties in source order); XOR encoded; not copied */
  public MergedSeries(Labels labels, List<EncodedChunk> chunks, long minTimeMs, long maxTimeMs) {
    this.labels = labels;
    this.chunks = chunks;
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
  }

  @Override
  public Labels labels() {
    return labels;
  }

  @Override
  public SampleIterator iterator() {
    return new Iter(chunks, minTimeMs, maxTimeMs);
  }

  @Override
  public String toString() {
    return labels + " (" + chunks.size() + " chunks, merged)";
  }

  /**
   * Keeps the chunks opened so far that still have samples, each positioned past the last sample yielded, in list
   * order (so the first wins a tie); opens the next chunk only once it may hold the smallest timestamp.
   */
  private static final class Iter extends WindowIterator {
    private final List<EncodedChunk> chunks;
    /** open[0 .. openCount) are positioned; the rest are spare iterators for reuse. */
    private XorIterator[] open = new XorIterator[2];
    private int openCount;
    private int nextChunk;

    Iter(List<EncodedChunk> chunks, long minTimeMs, long maxTimeMs) {
      super(minTimeMs, maxTimeMs);
      this.chunks = chunks;
    }

    @Override
    protected boolean nextSample() {
      return advance(positioned ? timestampMs() + 1 : minTimeMs);
    }

    @Override
    protected boolean seekSample(long floorMs) {
      for (int k = 0; k < openCount; ) {
        if (open[k].timestampMs() < floorMs && !open[k].seek(floorMs)) {
          close(k);
        } else {
          k++;
        }
      }
      return advance(floorMs);
    }

    /** Yields the smallest timestamp at or after {@code floorMs}; every open iterator is already at or past it. */
    private boolean advance(long floorMs) {
      if (floorMs > maxTimeMs) {
        return finish();
      }
      openChunks(floorMs);
      if (openCount == 0) {
        return finish();
      }
      int best = 0;
      long bestMs = open[0].timestampMs();
      for (int k = 1; k < openCount; k++) {
        if (open[k].timestampMs() < bestMs) {
          best = k;
          bestMs = open[k].timestampMs();
        }
      }
      if (!take(bestMs, open[best].value())) {
        return false;
      }
      // Move every iterator at this timestamp on: the winner, and later chunks' samples at the same time.
      for (int k = best; k < openCount; ) {
        if (open[k].timestampMs() == bestMs && !open[k].next()) {
          close(k);
        } else {
          k++;
        }
      }
      return true;
    }

    /** Opens the chunks that may hold a sample at or after {@code floorMs} before the open ones' smallest. */
    private void openChunks(long floorMs) {
      while (nextChunk < chunks.size()) {
        EncodedChunk chunk = chunks.get(nextChunk);
        if (chunk.minTimeMs() > maxTimeMs) {
          nextChunk = chunks.size();
          return;
        }
        if (openCount > 0 && chunk.minTimeMs() > smallestOpenMs()) {
          return;
        }
        nextChunk++;
        if (chunk.maxTimeMs() < floorMs) {
          continue;
        }
        if (openCount == open.length) {
          open = Arrays.copyOf(open, open.length * 2);
        }
        XorIterator iterator = open[openCount];
        if (iterator == null) {
          iterator = new XorIterator();
          open[openCount] = iterator;
        }
        iterator.reset(chunk.data());
        if (iterator.seek(floorMs)) {
          openCount++;
        }
      }
    }

    private long smallestOpenMs() {
      long smallest = open[0].timestampMs();
      for (int k = 1; k < openCount; k++) {
        smallest = Math.min(smallest, open[k].timestampMs());
      }
      return smallest;
    }

    /** Drops open[k], keeping the others in list order and its iterator as a spare. */
    private void close(int k) {
      XorIterator closed = open[k];
      System.arraycopy(open, k + 1, open, k, openCount - k - 1);
      openCount--;
      open[openCount] = closed;
    }

    @Override
    protected boolean finish() {
      openCount = 0;
      return super.finish();
    }
  }
}
