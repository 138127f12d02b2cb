package io.narthex.tsdb.head;

/**
 * Tuning of a {@link Head}.
 *
 * @param samplesPerChunk samples after which the open chunk is closed and a new one started (Prometheus uses 120)
 */
public record HeadOptions(int samplesPerChunk) {
  public static final HeadOptions DEFAULT = new HeadOptions(120);

  public HeadOptions {
    if (samplesPerChunk < 1 || samplesPerChunk > io.narthex.tsdb.chunk.XorChunk.MAX_SAMPLES) {
      throw new IllegalArgumentException("samplesPerChunk out of range: " + samplesPerChunk);
    }
  }
}
