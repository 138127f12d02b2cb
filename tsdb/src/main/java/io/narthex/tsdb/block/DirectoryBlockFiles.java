package io.narthex.tsdb.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** {@link BlockFiles} over a local block directory, with positional reads. */
final class DirectoryBlockFiles implements BlockFiles {
  private final Path dir;

  DirectoryBlockFiles(Path dir) {
    this.dir = dir;
  }

  @Override
  public byte[] read(String name, long offsetBytes, int lengthBytes) throws IOException {
    if (offsetBytes < 0 || lengthBytes < 0) {
      throw new IllegalArgumentException("negative offset " + offsetBytes + " or length " + lengthBytes);
    }
    try (FileChannel channel = FileChannel.open(resolve(name), StandardOpenOption.READ)) {
      long available = Math.max(0, channel.size() - offsetBytes);
      byte[] out = new byte[(int) Math.min(lengthBytes, available)];
      ByteBuffer buffer = ByteBuffer.wrap(out);
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, offsetBytes + buffer.position());
        if (n < 0) {
          return Arrays.copyOf(out, buffer.position());
        }
      }
      return out;
    }
  }

  @Override
  public long size(String name) throws IOException {
    return Files.size(resolve(name));
  }

  private Path resolve(String name) {
    Path path = dir.resolve(name).normalize();
    if (!path.startsWith(dir.normalize())) {
      throw new IllegalArgumentException("file name escapes the block directory: " + name);
    }
    return path;
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
