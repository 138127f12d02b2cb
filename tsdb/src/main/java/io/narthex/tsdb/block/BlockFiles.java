package io.narthex.tsdb.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Random access to one block's files ({@code "index"}, {@code "chunks/000001"}, ...), named relative to the block
 * directory with {@code /} separators: a local directory or object-storage range reads. Implementations are
 * thread-safe.
 */
public interface BlockFiles {
  /**
   * Reads {@code lengthBytes} bytes at {@code offsetBytes}; fewer only when the file ends first (none at or past
   * its end).
   *
   * @throws java.nio.file.NoSuchFileException (or another IOException) when the file is missing
   */
  byte[] read(String name, long offsetBytes, int lengthBytes) throws IOException;

  /**
   * Size in bytes.
   *
   * @throws IOException when the file is missing
   */
  long size(String name) throws IOException;

  /** Files of a block directory on local disk; each read opens the file, so nothing needs closing. */
  static BlockFiles directory(Path blockDir) {
    return new DirectoryBlockFiles(blockDir);
  }
}
