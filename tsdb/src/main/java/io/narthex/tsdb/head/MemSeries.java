package io.narthex.tsdb.head;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedChunk;
import java.util.ArrayList;
import java.util.List;

/**
 * One series in the {@link Head}: its labels, dense id, closed chunks and open chunk. Mutable state is guarded by
 * the series' own monitor; only the head touches it.
 */
public final class MemSeries {
  private final Labels labels;
  private final int id;
  /** {@link SeriesIdentity#low}: the key of the head's series map. */
  final long hash;
  /** {@link SeriesIdentity#high}: tells apart series whose low halves collide. */
  final long identityHigh;
  /** Next series with the same hash; guarded by the head's stripe lock. */
  MemSeries collisionNext;

  // Guarded by this.
  final List<EncodedChunk> closedChunks = new ArrayList<>(2);
  XorAppender headChunk;
  boolean hasSamples;
  long lastTimestampMs;
  long lastValueBits;
  /** Samples that arrived behind {@link #lastTimestampMs} within the out-of-order window; null when none. */
  OutOfOrderSamples outOfOrder;

  MemSeries(Labels labels, int id, long hash, long identityHigh) {
    this.labels = labels;
    this.id = id;
    this.hash = hash;
    this.identityHigh = identityHigh;
  }

  public Labels labels() {
    return labels;
  }

  /** Dense id within its head, from 0. */
  public int id() {
    return id;
  }

  /** Timestamp of the last stored sample, or {@link Long#MIN_VALUE} when none. */
  public synchronized long lastTimestampMs() {
    return hasSamples ? lastTimestampMs : Long.MIN_VALUE;
  }

  @Override
  public String toString() {
    return labels.toString();
  }
}
