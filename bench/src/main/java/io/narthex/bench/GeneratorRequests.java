package io.narthex.bench;

import java.util.Arrays;

/** Requests as {@code bin/narthex-bench write} sends them, for benchmarks outside this package. */
public final class GeneratorRequests {
  private GeneratorRequests() {}

  /**
   * The snappy-compressed remote-write request of the generator's first {@code series} series (node label shape,
   * one tenant, round 0), one sample each at {@code timestampMs}.
   */
  public static byte[] compressed(int series, long timestampMs) {
    SeriesPlan plan = new SeriesPlan(LabelShape.node, "bench", series, 1, series, 0);
    WriteRequestEncoder encoder = new WriteRequestEncoder();
    plan.newLabelCache().encode(encoder, plan.batches().getFirst(), 0, timestampMs);
    return encoder.body();
  }
}
