package io.narthex.tsdb.storage;

/**
 * Walks one series' float samples in timestamp order, as Prometheus's {@code chunkenc.Iterator}. Reuses its own
 * state, so a pass over a series allocates nothing per sample.
 */
public interface SampleIterator {
  SampleIterator EMPTY = new SampleIterator() {
    @Override
    public boolean next() {
      return false;
    }

    @Override
    public boolean seek(long timestampMs) {
      return false;
    }

    @Override
    public long timestampMs() {
      throw new IllegalStateException("empty iterator");
    }

    @Override
    public double value() {
      throw new IllegalStateException("empty iterator");
    }
  };

  /** Advances to the next sample; false when there is none. */
  boolean next();

  /**
   * Advances to the first sample with a timestamp at or after {@code timestampMs}; stays put when the current sample
   * already qualifies. False when there is none.
   */
  boolean seek(long timestampMs);

  /** Timestamp of the current sample, in milliseconds since the epoch. */
  long timestampMs();

  /** Value of the current sample; a staleness marker is {@link StaleMarker#STALE_NAN}. */
  double value();
}
