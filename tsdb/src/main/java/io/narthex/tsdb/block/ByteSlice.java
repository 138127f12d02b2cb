package io.narthex.tsdb.block;

/** A view of {@code length} bytes of {@code array} at {@code offset}; the array is never changed. */
record ByteSlice(byte[] array, int offset, int length) {
  DecBuf decoder(String what) {
    return new DecBuf(array, offset, length, what);
  }
}
