package io.narthex.objstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An object-storage bucket: a flat namespace of immutable objects whose names use {@code "/"} as the
 * directory separator (for example {@code "tenant-1/01JBLOCKULID/chunks/000001"}).
 *
 * <p>Names are relative: no leading {@code "/"}, no empty, {@code "."} or {@code ".."} segments, no
 * trailing {@code "/"}. Implementations are thread-safe. All byte counts and offsets are in bytes.
 *
 * <p>Errors: a missing object is {@link NoSuchObjectException}; any other failure is an
 * {@link IOException}, usually an {@link ObjectStoreException} that says whether retrying may help.
 * Backends do not retry by themselves: wrap them in {@link RetryingBucket} (see {@link Buckets}).
 */
public interface Bucket extends AutoCloseable {

  /**
   * Opens the whole object for reading. The caller closes the stream.
   *
   * @throws NoSuchObjectException when the object does not exist
   */
  InputStream get(String name) throws IOException;

  /**
   * Opens {@code lengthBytes} bytes of the object starting at {@code offsetBytes}. A range reaching
   * past the end is cut at the end; an offset at or past the end gives an empty stream.
   *
   * @throws NoSuchObjectException when the object does not exist
   * @throws IllegalArgumentException when the offset or length is negative
   */
  InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException;

  /**
   * Writes the object, replacing any previous one with that name. Readers see either the old or
   * the whole new object, never a partial one. Exactly {@code lengthBytes} bytes are read from
   * {@code content}, which the caller closes; a shorter stream fails the upload.
   */
  void upload(String name, InputStream content, long lengthBytes) throws IOException;

  /** Uploads the given bytes; see {@link #upload(String, InputStream, long)}. */
  default void upload(String name, byte[] content) throws IOException {
    upload(name, new java.io.ByteArrayInputStream(content), content.length);
  }

  /** Uploads the file's content; see {@link #upload(String, InputStream, long)}. */
  default void upload(String name, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      upload(name, in, Files.size(file));
    }
  }

  /** Deletes the object; deleting a missing object succeeds (idempotent). */
  void delete(String name) throws IOException;

  /** Whether the object exists. */
  boolean exists(String name) throws IOException;

  /**
   * The object's size and last modification time.
   *
   * @throws NoSuchObjectException when the object does not exist
   */
  ObjectAttributes attributes(String name) throws IOException;

  /**
   * Calls {@code names} for each entry under the directory {@code dir}, in lexicographic order, as
   * Thanos objstore's {@code Iter} does. {@code dir} is a directory: {@code ""} is the root, and
   * {@code "a"} and {@code "a/"} both mean the directory {@code a/} (never the object {@code a}).
   *
   * <p>Non-recursive: the direct children of {@code dir}: objects by full name and subdirectories
   * by full name with a trailing {@code "/"} (each once). Recursive: every object below {@code dir}
   * by full name, and no directories. Names are full, e.g. {@code "a/b/c"}, never relative to dir.
   */
  void iter(String dir, boolean recursive, Consumer<String> names) throws IOException;

  /** {@link #iter} collected into a list. */
  default List<String> list(String dir, boolean recursive) throws IOException {
    List<String> names = new ArrayList<>();
    iter(dir, recursive, names::add);
    return names;
  }

  /** The direct children of {@code dir}; see {@link #iter}. */
  default List<String> list(String dir) throws IOException {
    return list(dir, false);
  }

  /** Releases the backend's resources (connections, threads). */
  @Override
  void close() throws IOException;
}
