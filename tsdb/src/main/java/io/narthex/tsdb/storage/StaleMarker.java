package io.narthex.tsdb.storage;

/** The staleness marker: a NaN with a particular bit pattern, as Prometheus's {@code value.StaleNaN}. */
public final class StaleMarker {
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;
  public static final double STALE_NAN = Double.longBitsToDouble(STALE_NAN_BITS);

  private StaleMarker() {}

  /** Whether a value is the staleness marker (compared by bits, as every NaN is unequal to itself). */
  public static boolean isStale(double value) {
    return Double.doubleToRawLongBits(value) == STALE_NAN_BITS;
  }
}
