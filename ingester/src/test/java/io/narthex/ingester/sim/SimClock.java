package io.narthex.ingester.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A UTC wall clock that moves only when a test moves it: the shipper's notion of now in a {@link MiniCluster}. */
public final class SimClock extends Clock {
  private final AtomicLong nowMs;

  /** @param startMs Unix milliseconds */
  public SimClock(long startMs) {
    this.nowMs = new AtomicLong(startMs);
  }

  /** Moves the clock forward by {@code duration}. */
  public void advance(Duration duration) {
    nowMs.addAndGet(duration.toMillis());
  }

  @Override
  public long millis() {
    return nowMs.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** Only UTC: the simulation's time has no zone. */
  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the simulated clock is UTC only");
  }
}
