package io.narthex.tsdb.block;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A buffered file output that tracks its position and can pad to an alignment; fsyncs on close. */
final class PositionedOutput implements AutoCloseable {
  private static final byte[] ZEROS = new byte[16];

  private final FileChannel channel;
  private final OutputStream out;
  private long pos;
  private boolean closed;

  PositionedOutput(Path path) throws IOException {
    channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
  }

  long pos() {
    return pos;
  }

  void write(byte[] b, int off, int n) throws IOException {
    out.write(b, off, n);
    pos += n;
  }

  void write(EncBuf buf) throws IOException {
    write(buf.array(), 0, buf.len());
  }

  /** Writes zero bytes until the position is a multiple of {@code align} (at most 16). */
  void pad(int align) throws IOException {
    int rem = (int) (pos % align);
    if (rem != 0) {
      write(ZEROS, 0, align - rem);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (channel) {
      out.flush();
      channel.force(true);
    }
  }
}
