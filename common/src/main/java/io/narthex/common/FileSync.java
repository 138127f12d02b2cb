package io.narthex.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Durable file writes: data forced to disk before a rename makes it visible, and the directory after it. */
public final class FileSync {
  private FileSync() {}

  /**
   * Forces a directory's entries (creations, renames, deletions) to disk.
   *
   * @throws IOException when the directory cannot be opened or synced
   */
  public static void directory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /**
   * Replaces {@code file} with {@code bytes} so that after a crash it holds either the old or the new content: the
   * bytes go to a sibling temporary file, which is forced, renamed over {@code file}, and the directory forced.
   *
   * @throws IOException when any step fails; the temporary file may be left behind
   */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      var buffer = java.nio.ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    directory(file.getParent());
  }
}
