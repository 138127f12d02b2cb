package io.narthex.tsdb.head;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import java.util.Arrays;

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
  /** Next series with the same hash; written under the head's series lock. */
  MemSeries collisionNext;

  // Guarded by this.
  /**
   * Closed chunks in time order, {@link #closedCount} of them, three longs each: min time (ms), max time (ms) and
   * the {@link HeadChunkSpace} ref of the bytes, which live off the heap.
   */
  private long[] closed = NO_CHUNKS;
  int closedCount;
  XorAppender headChunk;
  boolean hasSamples;
  long lastTimestampMs;
  long lastValueBits;
  /** Samples that arrived behind {@link #lastTimestampMs} within the out-of-order window; null when none. */
  OutOfOrderSamples outOfOrder;

  private static final long[] NO_CHUNKS = new long[0];

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

  long closedMinTimeMs(int i) {
    return closed[3 * i];
  }

  long closedMaxTimeMs(int i) {
    return closed[3 * i + 1];
  }

  long closedRef(int i) {
    return closed[3 * i + 2];
  }

  /** Adds a closed chunk after the others; grows the array by half, so amortized a chunk allocates nothing. */
  void addClosed(long minTimeMs, long maxTimeMs, long ref) {
    int at = 3 * closedCount;
    if (at == closed.length) {
      closed = Arrays.copyOf(closed, Math.max(6, closed.length + 3 * (closedCount / 2 + 1)));
    }
    closed[at] = minTimeMs;
    closed[at + 1] = maxTimeMs;
    closed[at + 2] = ref;
    closedCount++;
  }

  /** Releases into {@code space} the closed chunks whose samples all lie before {@code beforeMs}. */
  void dropClosedBefore(long beforeMs, HeadChunkSpace space) {
    int dropped = 0;
    while (dropped < closedCount && closedMaxTimeMs(dropped) < beforeMs) {
      space.release(closedRef(dropped));
      dropped++;
    }
    if (dropped == 0) {
      return;
    }
    closedCount -= dropped;
    System.arraycopy(closed, 3 * dropped, closed, 0, 3 * closedCount);
    if (closedCount == 0) {
      closed = NO_CHUNKS;
    }
  }

  @Override
  public String toString() {
    return labels.toString();
  }
}
