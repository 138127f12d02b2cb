package io.narthex.tsdb.block;

import java.io.IOException;

/**
 * Reads a file front to back through one window of range reads, for validating a whole block without holding
 * whole files; any position works, at the cost of a new read when it leaves the window.
 */
final class WindowedReader {
  private final BlockFiles files;
  private final String name;
  private final int windowBytes;
  private byte[] window = new byte[0];
  private long windowStart;

  WindowedReader(BlockFiles files, String name, int windowBytes) {
    this.files = files;
    this.name = name;
    this.windowBytes = windowBytes;
  }

  String name() {
    return name;
  }

  /** Bytes {@code [position, position + length)}; fewer only when the file ends first. */
  ByteSlice get(long position, int length) throws IOException {
    if (position < windowStart || position + length > windowStart + window.length) {
      window = files.read(name, position, Math.max(length, windowBytes));
      windowStart = position;
    }
    int offset = (int) (position - windowStart);
    return new ByteSlice(window, offset, Math.min(length, window.length - offset));
  }
}
