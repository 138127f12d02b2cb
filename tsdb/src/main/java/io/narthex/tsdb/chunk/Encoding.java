package io.narthex.tsdb.chunk;

/** Chunk encoding ids, as Prometheus's {@code chunkenc.Encoding}; written beside chunks so readers pick a decoder. */
public final class Encoding {
  /** Gorilla XOR float chunk, Prometheus's {@code EncXOR}. */
  public static final int XOR = 1;

  private Encoding() {}
}
