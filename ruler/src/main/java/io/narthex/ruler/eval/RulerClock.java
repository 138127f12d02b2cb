package io.narthex.ruler.eval;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Wall-clock time for the ruler, in nanoseconds since the epoch, and waiting for an instant; tests drive their own. */
public interface RulerClock {
  /** Now, nanoseconds since the epoch. */
  long epochNanos();

  /** Returns at or after {@code epochNanos}. */
  void sleepUntil(long epochNanos) throws InterruptedException;

  /** The system clock. */
  RulerClock SYSTEM = new RulerClock() {
    private final Clock clock = Clock.systemUTC();

    @Override
    public long epochNanos() {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public void sleepUntil(long epochNanos) throws InterruptedException {
      long waitNanos;
      while ((waitNanos = epochNanos - epochNanos()) > 0) {
        Thread.sleep(Duration.ofNanos(waitNanos));
      }
    }
  };
}
