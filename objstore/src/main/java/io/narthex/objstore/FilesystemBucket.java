package io.narthex.objstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A bucket kept in a local directory: object {@code "a/b/c"} is the file {@code root/a/b/c}. The
 * embedded default backend ({@code blocks_storage.backend: filesystem}, directory
 * {@link #DEFAULT_ROOT}).
 *
 * <p>Uploads are atomic: the content goes to a hidden temporary file in the target directory,
 * which is fsynced and then renamed over the target. Deleting an object also removes directories
 * it leaves empty. Unlike S3, an object and a directory cannot share a name ({@code "a"} and
 * {@code "a/b"}): such an upload fails with a non-retryable {@link ObjectStoreException}, and
 * reading {@code "a/b"} when {@code "a"} is an object finds no object.
 */
public final class FilesystemBucket implements Bucket {
  /** The default root, relative to the working directory: {@code ./data/blocks}. */
  public static final Path DEFAULT_ROOT = Path.of("data", "blocks");

  private static final String TMP_MARKER = ".narthex-upload-";
  private static final int COPY_BUFFER_BYTES = 64 * 1024;

  private final Path root;

  /** Uses (and creates if needed) the directory {@code root}. */
  public FilesystemBucket(Path root) throws IOException {
    this.root = Files.createDirectories(Objects.requireNonNull(root, "root")).toAbsolutePath().normalize();
  }

  /** The bucket's root directory, absolute. */
  public Path root() {
    return root;
  }

  @Override
  public InputStream get(String name) throws IOException {
    return openRange(name, 0, Long.MAX_VALUE);
  }

  @Override
  public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    ObjectNames.checkRange(offsetBytes, lengthBytes);
    return openRange(name, offsetBytes, lengthBytes);
  }

  private InputStream openRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    Path file = resolve(name);
    if (Files.isDirectory(file)) {
      throw new NoSuchObjectException(name);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (FileSystemException e) { // also "Not a directory": a parent is an object
      if (Files.isRegularFile(file)) {
        throw e;
      }
      throw new NoSuchObjectException(name, e);
    }
    try {
      long sizeBytes = channel.size();
      long start = Math.min(offsetBytes, sizeBytes);
      channel.position(start);
      long remaining = Math.min(lengthBytes, sizeBytes - start);
      return new LimitedInputStream(Channels.newInputStream(channel), remaining);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void upload(String name, InputStream content, long lengthBytes) throws IOException {
    if (lengthBytes < 0) {
      throw new IllegalArgumentException("lengthBytes must be >= 0, got " + lengthBytes);
    }
    Path target = resolve(name);
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new ObjectStoreException(
          "cannot upload " + name + ": a directory of that name exists in " + root, false);
    }
    Path dir = target.getParent();
    Path tmp = dir.resolve("." + target.getFileName() + TMP_MARKER + UUID.randomUUID());
    for (Path d = dir; !d.equals(root); d = d.getParent()) {
      if (Files.isRegularFile(d, LinkOption.NOFOLLOW_LINKS)) {
        throw new ObjectStoreException("cannot upload " + name + ": object "
            + objectName(d) + " is in the way of its directory in " + root, false);
      }
    }
    try {
      Files.createDirectories(dir);
      try (FileChannel out =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        copyExactly(name, content, out, lengthBytes);
        out.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new ObjectStoreException("filesystem under " + root + " cannot rename atomically", e, false);
      }
      syncDirectory(dir);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // The directory went away or was never made: there is no temporary file left.
      }
    }
  }

  private static void copyExactly(String name, InputStream in, FileChannel out, long lengthBytes)
      throws IOException {
    byte[] buffer = new byte[COPY_BUFFER_BYTES];
    long copied = 0;
    while (copied < lengthBytes) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, lengthBytes - copied));
      if (n < 0) {
        throw new ObjectStoreException(
            "upload of " + name + ": content ended after " + copied + " of " + lengthBytes + " bytes",
            false);
      }
      ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
      while (chunk.hasRemaining()) {
        out.write(chunk);
      }
      copied += n;
    }
  }

  /** Makes a rename durable; best effort, as not every platform can open a directory. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException ignored) {
      // Not supported on this platform/filesystem; the rename itself is still atomic.
    }
  }

  @Override
  public void delete(String name) throws IOException {
    Path file = resolve(name);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(file)) {
      return; // absent, or a directory: not an object
    }
    if (Files.deleteIfExists(file)) {
      pruneEmptyParents(file.getParent());
    }
  }

  private void pruneEmptyParents(Path dir) throws IOException {
    for (Path d = dir; d != null && !d.equals(root) && d.startsWith(root); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      }
    }
  }

  @Override
  public boolean exists(String name) throws IOException {
    return Files.isRegularFile(resolve(name));
  }

  @Override
  public ObjectAttributes attributes(String name) throws IOException {
    Path file = resolve(name);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (FileSystemException e) {
      if (Files.exists(file)) {
        throw e;
      }
      throw new NoSuchObjectException(name, e);
    }
    if (!attrs.isRegularFile()) {
      throw new NoSuchObjectException(name);
    }
    return new ObjectAttributes(attrs.size(), attrs.lastModifiedTime().toInstant());
  }

  @Override
  public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
    String prefix = ObjectNames.dirPrefix(dir);
    Path base = prefix.isEmpty() ? root : root.resolve(prefix);
    if (!Files.isDirectory(base)) {
      return;
    }
    List<String> found = new ArrayList<>();
    if (recursive) {
      try (Stream<Path> walk = Files.walk(base)) {
        walk.filter(p -> !isTemporary(p) && Files.isRegularFile(p))
            .forEach(p -> found.add(objectName(p)));
      }
    } else {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
        for (Path entry : entries) {
          if (isTemporary(entry)) {
            continue;
          }
          if (Files.isRegularFile(entry)) {
            found.add(prefix + entry.getFileName());
          } else if (Files.isDirectory(entry) && holdsObjects(entry)) {
            found.add(prefix + entry.getFileName() + "/");
          }
        }
      }
    }
    found.sort(null);
    found.forEach(names);
  }

  /** Whether a directory has at least one object below it; S3 has no empty directories. */
  private static boolean holdsObjects(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(p -> !isTemporary(p) && Files.isRegularFile(p));
    }
  }

  private static boolean isTemporary(Path p) {
    String fileName = p.getFileName().toString();
    return fileName.startsWith(".") && fileName.contains(TMP_MARKER);
  }

  private String objectName(Path file) {
    Path relative = root.relativize(file);
    StringBuilder name = new StringBuilder();
    for (Path part : relative) {
      if (!name.isEmpty()) {
        name.append('/');
      }
      name.append(part);
    }
    return name.toString();
  }

  private Path resolve(String name) {
    Path file = root.resolve(ObjectNames.checkName(name)).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new IllegalArgumentException("object name escapes the bucket root: " + name);
    }
    return file;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "FilesystemBucket[" + root + "]";
  }

  /** Reads at most {@code remainingBytes} from {@code in}. */
  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private long remainingBytes;

    LimitedInputStream(InputStream in, long remainingBytes) {
      this.in = in;
      this.remainingBytes = remainingBytes;
    }

    @Override
    public int read() throws IOException {
      if (remainingBytes <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remainingBytes--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remainingBytes <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remainingBytes));
      if (n > 0) {
        remainingBytes -= n;
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remainingBytes);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
