package io.narthex.tsdb.storage;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Makes one series' chunks from several sources (ingester replicas' heads, blocks, overlapping blocks) readable by
 * {@link WindowedSeries}: chunks that overlap in time are decoded and merged into new XOR chunks, keeping one sample
 * per timestamp (the first source's), as Prometheus's vertical merge of overlapping series. Chunks that overlap
 * nothing are passed through untouched, so the common case copies no sample.
 */
public final class ChunkMerger {
  private static final int SAMPLES_PER_MERGED_CHUNK = 120;

  private ChunkMerger() {}

  /**
   * @param chunks sorted by {@link EncodedChunk#minTimeMs()}; XOR encoded
   * @return chunks sorted by time that do not overlap, holding every distinct timestamp of the input once
   */
  public static List<EncodedChunk> mergeOverlapping(List<EncodedChunk> chunks) {
    return mergeOverlapping(chunks, null);
  }

  /**
   * As {@link #mergeOverlapping(List)}, counting in {@code stats} the samples dropped because an earlier chunk
   * had one at the same timestamp: duplicates (same value bits) and conflicts (different value bits, of which the
   * first chunk's wins).
   *
   * @param stats where to add the counts; null to count nothing
   */
  public static List<EncodedChunk> mergeOverlapping(List<EncodedChunk> chunks, MergeStats stats) {
    if (!hasOverlap(chunks)) {
      return chunks;
    }
    List<EncodedChunk> out = new ArrayList<>(chunks.size());
    int i = 0;
    while (i < chunks.size()) {
      int end = i + 1;
      long groupMaxMs = chunks.get(i).maxTimeMs();
      while (end < chunks.size() && chunks.get(end).minTimeMs() <= groupMaxMs) {
        groupMaxMs = Math.max(groupMaxMs, chunks.get(end).maxTimeMs());
        end++;
      }
      if (end == i + 1) {
        out.add(chunks.get(i));
      } else {
        mergeGroup(chunks.subList(i, end), out, stats);
      }
      i = end;
    }
    return out;
  }

  /**
   * {@code chunks} without the copies of a chunk listed earlier (same time range, same bytes): an ingester serving a
   * block it shipped and a store-gateway serving that block hand out the same chunks, and a copy holds nothing the
   * merge would keep, since the earlier chunk wins every timestamp they share.
   *
   * @param chunks sorted by {@link EncodedChunk#minTimeMs()}
   * @return {@code chunks} itself when it holds no copy, else a new list in the same order
   */
  public static List<EncodedChunk> withoutCopies(List<EncodedChunk> chunks) {
    List<EncodedChunk> out = null;
    for (int i = 1; i < chunks.size(); i++) {
      EncodedChunk chunk = chunks.get(i);
      boolean copy = false;
      for (int j = i - 1; j >= 0 && chunks.get(j).minTimeMs() == chunk.minTimeMs() && !copy; j--) {
        EncodedChunk earlier = chunks.get(j);
        copy = earlier.maxTimeMs() == chunk.maxTimeMs() && Arrays.equals(earlier.data(), chunk.data());
      }
      if (copy && out == null) {
        out = new ArrayList<>(chunks.subList(0, i));
      } else if (!copy && out != null) {
        out.add(chunk);
      }
    }
    return out == null ? chunks : out;
  }

  /** Whether any chunk starts at or before the end of the one before it; {@code chunks} sorted by start time. */
  public static boolean hasOverlap(List<EncodedChunk> chunks) {
    for (int i = 1; i < chunks.size(); i++) {
      if (chunks.get(i).minTimeMs() <= chunks.get(i - 1).maxTimeMs()) {
        return true;
      }
    }
    return false;
  }

  /** K-way merge of a group of overlapping chunks by timestamp, earlier chunk winning ties. */
  private static void mergeGroup(List<EncodedChunk> group, List<EncodedChunk> out, MergeStats stats) {
    XorIterator[] iterators = new XorIterator[group.size()];
    boolean[] live = new boolean[group.size()];
    for (int k = 0; k < group.size(); k++) {
      iterators[k] = new XorIterator(group.get(k).data());
      live[k] = iterators[k].next();
    }
    XorAppender appender = null;
    long lastMs = Long.MIN_VALUE;
    long lastValueBits = 0;
    while (true) {
      int best = -1;
      for (int k = 0; k < iterators.length; k++) {
        if (live[k] && (best < 0 || iterators[k].timestampMs() < iterators[best].timestampMs())) {
          best = k;
        }
      }
      if (best < 0) {
        break;
      }
      long t = iterators[best].timestampMs();
      if (appender == null || t > lastMs) {
        if (appender == null || appender.numSamples() >= SAMPLES_PER_MERGED_CHUNK) {
          if (appender != null) {
            out.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
          }
          appender = new XorAppender();
        }
        double value = iterators[best].value();
        appender.append(t, value);
        lastMs = t;
        lastValueBits = Double.doubleToRawLongBits(value);
      } else if (stats != null) {
        if (Double.doubleToRawLongBits(iterators[best].value()) == lastValueBits) {
          stats.duplicateSamples++;
        } else {
          stats.conflictingSamples++;
        }
      }
      live[best] = iterators[best].next();
    }
    if (appender != null && appender.numSamples() > 0) {
      out.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
  }

  /**
   * Counts of samples dropped by merges, for one or many series; not thread-safe. A conflict is two chunks with
   * the same timestamp and different value bits (NaNs of different payloads, a stale marker and a value included),
   * as Prometheus's "duplicate sample for timestamp" in a vertical compaction.
   */
  public static final class MergeStats {
    private long duplicateSamples;
    private long conflictingSamples;

    /** Samples dropped because an earlier chunk held the same timestamp with the same value bits. */
    public long duplicateSamples() {
      return duplicateSamples;
    }

    /** Samples dropped because an earlier chunk held the same timestamp with other value bits. */
    public long conflictingSamples() {
      return conflictingSamples;
    }

    /** Adds another's counts to these. */
    public void add(MergeStats other) {
      duplicateSamples += other.duplicateSamples;
      conflictingSamples += other.conflictingSamples;
    }
  }
}
