package io.narthex.tsdb.storage;

import io.narthex.tsdb.chunk.XorChunk;

/**
 * One encoded chunk of a series: XOR bytes as Prometheus's {@code chunkenc} (count header included) and the
 * timestamps of its first and last samples, in milliseconds. The array is shared, never changed after creation.
 */
public record EncodedChunk(long minTimeMs, long maxTimeMs, byte[] data) {
  public EncodedChunk {
    if (data == null || data.length < 2) {
      throw new IllegalArgumentException("chunk data needs at least the 2-byte count header");
    }
  }

  public int numSamples() {
    return XorChunk.numSamples(data);
  }

  /** Whether any of the chunk's time range falls in {@code [minTimeMs, maxTimeMs]}, both inclusive. */
  public boolean overlaps(long minTimeMs, long maxTimeMs) {
    return this.maxTimeMs >= minTimeMs && this.minTimeMs <= maxTimeMs;
  }
}
