package io.narthex.blocks;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.ObjectAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A bucket that forwards to a real one and records each call as "operation name", in order. */
final class RecordingBucket implements Bucket {
  private final Bucket delegate;
  final List<String> calls = new CopyOnWriteArrayList<>();
  /** When set, the next upload of an object whose name ends with this fails (once). */
  volatile String failNextUploadEndingWith;

  RecordingBucket(Bucket delegate) {
    this.delegate = delegate;
  }

  /** The names passed to {@code operation}, in call order. */
  List<String> names(String operation) {
    return calls.stream().filter(c -> c.startsWith(operation + " ")).map(c -> c.substring(operation.length() + 1))
        .toList();
  }

  void clear() {
    calls.clear();
  }

  @Override
  public InputStream get(String name) throws IOException {
    calls.add("get " + name);
    return delegate.get(name);
  }

  @Override
  public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    calls.add("getRange " + name);
    return delegate.getRange(name, offsetBytes, lengthBytes);
  }

  @Override
  public void upload(String name, InputStream content, long lengthBytes) throws IOException {
    calls.add("upload " + name);
    failIfAsked(name);
    delegate.upload(name, content, lengthBytes);
  }

  @Override
  public void upload(String name, byte[] content) throws IOException {
    calls.add("upload " + name);
    failIfAsked(name);
    delegate.upload(name, content);
  }

  /** Forwarded as such so the delegate can retry by reopening the file, as {@code RetryingBucket} does. */
  @Override
  public void upload(String name, Path file) throws IOException {
    calls.add("upload " + name);
    failIfAsked(name);
    delegate.upload(name, file);
  }

  private void failIfAsked(String name) throws IOException {
    String failing = failNextUploadEndingWith;
    if (failing != null && name.endsWith(failing)) {
      failNextUploadEndingWith = null;
      throw new IOException("injected upload failure: " + name);
    }
  }

  @Override
  public void delete(String name) throws IOException {
    calls.add("delete " + name);
    delegate.delete(name);
  }

  @Override
  public boolean exists(String name) throws IOException {
    calls.add("exists " + name);
    return delegate.exists(name);
  }

  @Override
  public ObjectAttributes attributes(String name) throws IOException {
    calls.add("attributes " + name);
    return delegate.attributes(name);
  }

  @Override
  public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
    calls.add("iter " + dir);
    delegate.iter(dir, recursive, names);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
