package io.narthex.tsdb.head;

/**
 * Tuning of a {@link Head}.
 *
 * @param samplesPerChunk samples after which the open chunk is closed and a new one started (Prometheus uses 120)
 * @param appendableWindowMs how far behind the head's newest sample an append may be, in ms; older samples are
 *     {@link AppendResult#TOO_OLD}. Prometheus's head allows half a block range (1h for 2h blocks). 0 for no bound.
 * @param outOfOrderWindowMs how far behind the head's newest sample a sample older than its series' newest is still
 *     taken, in ms, as Prometheus's {@code out_of_order_time_window}; it also widens the appendable window. 0 takes
 *     no out-of-order sample.
 */
public record HeadOptions(int samplesPerChunk, long appendableWindowMs, long outOfOrderWindowMs) {
  /** 120 samples per chunk, no appendable window: for heads that are not fed by clients. */
  public static final HeadOptions DEFAULT = new HeadOptions(120);

  public HeadOptions {
    if (samplesPerChunk < 1 || samplesPerChunk > io.narthex.tsdb.chunk.XorChunk.MAX_SAMPLES) {
      throw new IllegalArgumentException("samplesPerChunk out of range: " + samplesPerChunk);
    }
    if (appendableWindowMs < 0 || outOfOrderWindowMs < 0) {
      throw new IllegalArgumentException("windows must not be negative: appendable " + appendableWindowMs
          + " ms, out-of-order " + outOfOrderWindowMs + " ms");
    }
  }

  /** No appendable window, no out-of-order samples. */
  public HeadOptions(int samplesPerChunk) {
    this(samplesPerChunk, 0, 0);
  }

  /** No out-of-order samples. */
  public HeadOptions(int samplesPerChunk, long appendableWindowMs) {
    this(samplesPerChunk, appendableWindowMs, 0);
  }
}
