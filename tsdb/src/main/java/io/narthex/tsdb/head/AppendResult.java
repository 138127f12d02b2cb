package io.narthex.tsdb.head;

/** Outcome of {@link Head#append}, with Prometheus's head rules. */
public enum AppendResult {
  /** Stored. */
  OK,
  /** Same timestamp and same value bits as the series' last sample: accepted, nothing stored. */
  DUPLICATE_NOOP,
  /** Older than the series' last sample: rejected. */
  OUT_OF_ORDER,
  /** Same timestamp as the series' last sample but different value bits: rejected. */
  DUPLICATE_DIFFERENT_VALUE,
  /** Older than the head's minimum valid time: that range is already in a block. Prometheus's "out of bounds". */
  OUT_OF_BOUNDS,
  /**
   * More than {@link HeadOptions#appendableWindowMs} older than the head's newest sample: Prometheus's head refuses
   * these as out of bounds too, as it will not append behind the range it is about to cut.
   */
  TOO_OLD
}
