package io.narthex.promql;

/** The step grid an expression is evaluated over: start and end inclusive, in milliseconds. */
record Ctx(long startMs, long endMs, long stepMs) {
  int steps() {
    return stepMs == 0 ? 1 : (int) ((endMs - startMs) / stepMs) + 1;
  }

  long time(int step) {
    return startMs + step * stepMs;
  }
}
