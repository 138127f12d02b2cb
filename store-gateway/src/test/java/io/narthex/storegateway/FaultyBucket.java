package io.narthex.storegateway;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.ObjectAttributes;
import io.narthex.objstore.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/** A bucket that passes calls to another one, and fails every read while {@link #failReads} is set. */
final class FaultyBucket implements Bucket {
  private final Bucket delegate;
  volatile boolean failReads;

  FaultyBucket(Bucket delegate) {
    this.delegate = delegate;
  }

  private void maybeFail(String name) throws IOException {
    if (failReads) {
      throw new ObjectStoreException("injected fault reading " + name, true);
    }
  }

  @Override
  public InputStream get(String name) throws IOException {
    maybeFail(name);
    return delegate.get(name);
  }

  @Override
  public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    maybeFail(name);
    return delegate.getRange(name, offsetBytes, lengthBytes);
  }

  @Override
  public void upload(String name, InputStream content, long lengthBytes) throws IOException {
    delegate.upload(name, content, lengthBytes);
  }

  @Override
  public void delete(String name) throws IOException {
    delegate.delete(name);
  }

  @Override
  public boolean exists(String name) throws IOException {
    maybeFail(name);
    return delegate.exists(name);
  }

  @Override
  public ObjectAttributes attributes(String name) throws IOException {
    maybeFail(name);
    return delegate.attributes(name);
  }

  @Override
  public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
    maybeFail(dir);
    delegate.iter(dir, recursive, names);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
