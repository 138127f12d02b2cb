package io.narthex.tsdb.head;

/**
 * Tuning of a {@link Head}.
 *
 * @param samplesPerChunk samples after which the open chunk is closed and a new one started (Prometheus uses 120)
 * @param appendableWindowMs how far behind the head's newest sample an append may be, in ms; older samples are
 *     {@link AppendResult#TOO_OLD}. Prometheus's head allows half a block range (1h for 2h blocks). 0 for no bound.
 */
public record HeadOptions(int samplesPerChunk, long appendableWindowMs) {
  /** 120 samples per chunk, no appendable window: for heads that are not fed by clients. */
  public static final HeadOptions DEFAULT = new HeadOptions(120);

  public HeadOptions {
    if (samplesPerChunk < 1 || samplesPerChunk > io.narthex.tsdb.chunk.XorChunk.MAX_SAMPLES) {
      throw new IllegalArgumentException("samplesPerChunk out of range: " + samplesPerChunk);
    }
    if (appendableWindowMs < 0) {
      throw new IllegalArgumentException("appendableWindowMs must not be negative: " + appendableWindowMs);
    }
  }

  /** No appendable window. */
  public HeadOptions(int samplesPerChunk) {
    this(samplesPerChunk, 0);
  }
}
