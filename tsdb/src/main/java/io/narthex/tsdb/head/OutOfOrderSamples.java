package io.narthex.tsdb.head;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.storage.EncodedChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of one series that arrived behind its newest sample, within the head's out-of-order window: a sorted
 * buffer of up to {@link #BUFFER_SAMPLES}, then XOR chunks of that many, each sorted but overlapping one another and
 * the series' in-order chunks. Reads merge them with the in-order chunks ({@link #merge}), as Prometheus's
 * out-of-order head does. Guarded by the series' monitor.
 */
final class OutOfOrderSamples {
  static final int BUFFER_SAMPLES = 32;

  final List<EncodedChunk> chunks = new ArrayList<>(1);
  final long[] timestampsMs = new long[BUFFER_SAMPLES];
  final long[] valueBits = new long[BUFFER_SAMPLES];
  int count;

  /**
   * Adds a sample: {@code OK}, or for a timestamp already in the buffer {@code DUPLICATE_NOOP} (same bits) or
   * {@code DUPLICATE_DIFFERENT_VALUE}. The head checks the series' chunks first.
   */
  AppendResult insert(long timestampMs, long bits) {
    int at = Arrays.binarySearch(timestampsMs, 0, count, timestampMs);
    if (at >= 0) {
      return valueBits[at] == bits ? AppendResult.DUPLICATE_NOOP : AppendResult.DUPLICATE_DIFFERENT_VALUE;
    }
    if (count == BUFFER_SAMPLES) {
      flush();
    }
    at = -Arrays.binarySearch(timestampsMs, 0, count, timestampMs) - 1;
    System.arraycopy(timestampsMs, at, timestampsMs, at + 1, count - at);
    System.arraycopy(valueBits, at, valueBits, at + 1, count - at);
    timestampsMs[at] = timestampMs;
    valueBits[at] = bits;
    count++;
    return AppendResult.OK;
  }

  /** Encodes the full buffer as one chunk. */
  private void flush() {
    XorAppender chunk = new XorAppender();
    for (int i = 0; i < count; i++) {
      chunk.append(timestampsMs[i], Double.longBitsToDouble(valueBits[i]));
    }
    chunks.add(new EncodedChunk(chunk.minTimeMs(), chunk.maxTimeMs(), chunk.bytes()));
    count = 0;
  }

  boolean isEmpty() {
    return count == 0 && chunks.isEmpty();
  }

  long minTimeMs() {
    long min = count > 0 ? timestampsMs[0] : Long.MAX_VALUE;
    for (EncodedChunk chunk : chunks) {
      min = Math.min(min, chunk.minTimeMs());
    }
    return min;
  }

  boolean overlaps(long minTimeMs, long maxTimeMs) {
    if (count > 0 && timestampsMs[0] <= maxTimeMs && timestampsMs[count - 1] >= minTimeMs) {
      return true;
    }
    for (EncodedChunk chunk : chunks) {
      if (chunk.overlaps(minTimeMs, maxTimeMs)) {
        return true;
      }
    }
    return false;
  }

  /** Drops the samples before {@code beforeMs}: whole chunks that end before it, and buffered samples. */
  void truncateBefore(long beforeMs) {
    chunks.removeIf(chunk -> chunk.maxTimeMs() < beforeMs);
    int drop = 0;
    while (drop < count && timestampsMs[drop] < beforeMs) {
      drop++;
    }
    System.arraycopy(timestampsMs, drop, timestampsMs, 0, count - drop);
    System.arraycopy(valueBits, drop, valueBits, 0, count - drop);
    count -= drop;
  }

  /** The first sample at or after {@code fromMs}, or {@link Long#MAX_VALUE}. */
  long firstAtOrAfterMs(long fromMs, XorIterator iterator) {
    long first = Long.MAX_VALUE;
    int at = Arrays.binarySearch(timestampsMs, 0, count, fromMs);
    int index = at >= 0 ? at : -at - 1;
    if (index < count) {
      first = timestampsMs[index];
    }
    for (EncodedChunk chunk : chunks) {
      if (chunk.maxTimeMs() >= fromMs && chunk.minTimeMs() < first) {
        iterator.reset(chunk.data());
        if (iterator.seek(fromMs)) {
          first = Math.min(first, iterator.timestampMs());
        }
      }
    }
    return first;
  }

  /**
   * The series' samples in {@code [minTimeMs, maxTimeMs]} as non-overlapping chunks of at most
   * {@code samplesPerChunk}: the in-order {@code chunks} (sorted, not overlapping one another) merged with these.
   * The head refuses a second sample at a timestamp; should one be there anyway, the in-order sample wins.
   */
  List<EncodedChunk> merge(List<EncodedChunk> inOrder, long minTimeMs, long maxTimeMs, int samplesPerChunk) {
    SampleList late = new SampleList();
    XorIterator iterator = new XorIterator();
    for (EncodedChunk chunk : chunks) {
      if (chunk.overlaps(minTimeMs, maxTimeMs)) {
        late.addChunk(iterator, chunk, minTimeMs, maxTimeMs);
      }
    }
    for (int i = 0; i < count; i++) {
      if (timestampsMs[i] >= minTimeMs && timestampsMs[i] <= maxTimeMs) {
        late.add(timestampsMs[i], valueBits[i]);
      }
    }
    late.sortKeepingFirst();
    SampleList inOrderSamples = new SampleList();
    for (EncodedChunk chunk : inOrder) {
      inOrderSamples.addChunk(iterator, chunk, minTimeMs, maxTimeMs);
    }
    List<EncodedChunk> out = new ArrayList<>();
    XorAppender appender = null;
    int i = 0;
    int j = 0;
    while (i < inOrderSamples.size || j < late.size) {
      long timestampMs;
      long bits;
      if (j >= late.size || (i < inOrderSamples.size && inOrderSamples.timestampsMs[i] <= late.timestampsMs[j])) {
        timestampMs = inOrderSamples.timestampsMs[i];
        bits = inOrderSamples.valueBits[i++];
        if (j < late.size && late.timestampsMs[j] == timestampMs) {
          j++; // the in-order sample wins
        }
      } else {
        timestampMs = late.timestampsMs[j];
        bits = late.valueBits[j++];
      }
      if (appender == null || appender.numSamples() >= samplesPerChunk) {
        if (appender != null) {
          out.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
        }
        appender = new XorAppender();
      }
      appender.append(timestampMs, Double.longBitsToDouble(bits));
    }
    if (appender != null) {
      out.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
    return out;
  }

  /** A growable list of samples, for merging. */
  private static final class SampleList {
    long[] timestampsMs = new long[64];
    long[] valueBits = new long[64];
    int size;

    void add(long timestampMs, long bits) {
      if (size == timestampsMs.length) {
        timestampsMs = Arrays.copyOf(timestampsMs, size * 2);
        valueBits = Arrays.copyOf(valueBits, size * 2);
      }
      timestampsMs[size] = timestampMs;
      valueBits[size++] = bits;
    }

    void addChunk(XorIterator iterator, EncodedChunk chunk, long minTimeMs, long maxTimeMs) {
      iterator.reset(chunk.data());
      while (iterator.next()) {
        long timestampMs = iterator.timestampMs();
        if (timestampMs >= minTimeMs && timestampMs <= maxTimeMs) {
          add(timestampMs, iterator.valueBits());
        }
      }
    }

    /** Sorts by timestamp, stably, and keeps the first sample of each timestamp. */
    void sortKeepingFirst() {
      Integer[] order = new Integer[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Long.compare(timestampsMs[a], timestampsMs[b]));
      long[] sortedTimestamps = new long[size];
      long[] sortedBits = new long[size];
      int kept = 0;
      for (int i = 0; i < size; i++) {
        long timestampMs = timestampsMs[order[i]];
        if (kept > 0 && sortedTimestamps[kept - 1] == timestampMs) {
          continue;
        }
        sortedTimestamps[kept] = timestampMs;
        sortedBits[kept++] = valueBits[order[i]];
      }
      timestampsMs = sortedTimestamps;
      valueBits = sortedBits;
      size = kept;
    }
  }
}
