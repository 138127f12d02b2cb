package io.narthex.tsdb.storage;

/**
 * The state both chunk readers share: a window {@code [minTimeMs, maxTimeMs]} (both inclusive) and the sample the
 * iterator stands on. Subclasses find samples and {@link #take} them, or {@link #finish}.
 */
abstract class WindowIterator implements SampleIterator {
  protected final long minTimeMs;
  protected final long maxTimeMs;
  protected boolean positioned;
  protected boolean done;
  private long timestampMs;
  private double value;

  WindowIterator(long minTimeMs, long maxTimeMs) {
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
    done = minTimeMs > maxTimeMs;
  }

  @Override
  public final boolean next() {
    return !done && nextSample();
  }

  @Override
  public final boolean seek(long targetMs) {
    if (done) {
      return false;
    }
    if (positioned && timestampMs >= targetMs) {
      return true;
    }
    return seekSample(Math.max(targetMs, minTimeMs));
  }

  /** {@link #next()} when not done: the first sample of the window, or the one after the current. */
  protected abstract boolean nextSample();

  /** {@link #seek} when not done and behind {@code floorMs}, which is at or after {@code minTimeMs}. */
  protected abstract boolean seekSample(long floorMs);

  /** Stands on a sample at {@code t}, or finishes when it is past the window. */
  protected final boolean take(long t, double sampleValue) {
    if (t > maxTimeMs) {
      return finish();
    }
    timestampMs = t;
    value = sampleValue;
    positioned = true;
    return true;
  }

  /** No sample left: every later call answers false. */
  protected boolean finish() {
    done = true;
    return false;
  }

  @Override
  public final long timestampMs() {
    if (!positioned) {
      throw new IllegalStateException("next() not called");
    }
    return timestampMs;
  }

  @Override
  public final double value() {
    if (!positioned) {
      throw new IllegalStateException("next() not called");
    }
    return value;
  }
}
