package io.narthex.tsdb.block;

import it.unimi.dsi.fastutil.ints.IntArrays;
import java.io.IOException;

/**
 * Reads many byte ranges of one file, merging ranges at most {@link #MAX_GAP_BYTES} apart into one read of at most
 * {@link #MAX_READ_BYTES} (more only for a single larger range), as Thanos's gap-based partitioner: fewer requests
 * to object storage for a few wasted bytes.
 */
final class RangeReads {
  static final int MAX_GAP_BYTES = 64 * 1024;
  static final int MAX_READ_BYTES = 16 * 1024 * 1024;

  private RangeReads() {}

  /**
   * Reads {@code [starts[i], ends[i])} for each {@code i}, in any order and possibly overlapping. Returns slices in
   * input order; a slice is shorter than asked only when the file ends first.
   */
  static ByteSlice[] read(BlockFiles files, String name, long[] starts, long[] ends) throws IOException {
    int n = starts.length;
    ByteSlice[] out = new ByteSlice[n];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    IntArrays.quickSort(order, (a, b) -> Long.compare(starts[a], starts[b]));
    int first = 0;
    while (first < n) {
      long groupStart = starts[order[first]];
      long groupEnd = ends[order[first]];
      int last = first + 1;
      while (last < n) {
        int next = order[last];
        long end = Math.max(groupEnd, ends[next]);
        if (starts[next] - groupEnd > MAX_GAP_BYTES || end - groupStart > MAX_READ_BYTES) {
          break;
        }
        groupEnd = end;
        last++;
      }
      long length = groupEnd - groupStart;
      if (length > Integer.MAX_VALUE - 8) {
        throw new IOException(name + ": range of " + length + " bytes at " + groupStart + " too large to read");
      }
      byte[] bytes = files.read(name, groupStart, (int) length);
      for (int k = first; k < last; k++) {
        int i = order[k];
        int offset = (int) Math.min(starts[i] - groupStart, bytes.length);
        int available = (int) Math.min(ends[i] - groupStart, bytes.length) - offset;
        out[i] = new ByteSlice(bytes, offset, Math.max(0, available));
      }
      first = last;
    }
    return out;
  }
}
