package io.narthex.alertmanager.notify;

import java.time.Duration;

/** The time the retries run on: the real one, or a fake one in tests, so that no test sleeps through a backoff. */
interface RetryClock {
  RetryClock SYSTEM = new RetryClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      Thread.sleep(duration);
    }
  };

  /** A monotonic time in nanoseconds. */
  long nanoTime();

  void sleep(Duration duration) throws InterruptedException;
}
