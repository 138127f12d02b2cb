package io.narthex.objstore;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Wraps a backend with retries and metrics. Every operation is counted in {@code
 * narthex_objstore_operations_total{operation,bucket}} and timed in {@code
 * narthex_objstore_operation_duration_seconds}; one that still fails after its retries is counted
 * in {@code narthex_objstore_operation_failures_total} (a missing object is not a failure).
 *
 * <p>Retried, with the {@link RetryPolicy}'s backoff: {@link ObjectStoreException}s marked
 * retryable, and any other {@link IOException} or {@link UncheckedIOException} (I/O errors). Not
 * retried: {@link NoSuchObjectException}, non-retryable {@link ObjectStoreException}s (rethrown
 * as they are) and other runtime exceptions such as invalid names. When the attempts run out a
 * non-retryable {@link ObjectStoreException} says so, with the last failure as its cause.
 *
 * <p>Uploads from a {@link Path} or {@code byte[]} are retried as a whole. An {@link InputStream}
 * upload is retried only when the stream supports mark/reset (it is marked with a read limit of
 * the object's length, so a {@code BufferedInputStream} would buffer the whole object); otherwise
 * it gets one attempt. A retried {@link #iter} skips the names it already passed on.
 */
public final class RetryingBucket implements Bucket {
  /** Waits between attempts; replaced in tests. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final String bucketLabel;
  private final Bucket delegate;
  private final RetryPolicy policy;
  private final Sleeper sleeper;
  private final ObjstoreMetrics metrics;

  /**
   * @param bucketLabel the {@code bucket} label of the metrics, such as "blocks"
   * @param delegate the backend; closed with this bucket
   */
  public RetryingBucket(String bucketLabel, Bucket delegate, RetryPolicy policy) {
    this(bucketLabel, delegate, policy, new ObjstoreMetrics(new PrometheusRegistry()));
  }

  /**
   * @param bucketLabel the {@code bucket} label of the metrics, such as "blocks"
   * @param delegate the backend; closed with this bucket
   * @param metrics where operations are counted: the process's, shared by its buckets
   */
  public RetryingBucket(String bucketLabel, Bucket delegate, RetryPolicy policy, ObjstoreMetrics metrics) {
    this(bucketLabel, delegate, policy, d -> Thread.sleep(d), metrics);
  }

  RetryingBucket(String bucketLabel, Bucket delegate, RetryPolicy policy, Sleeper sleeper, ObjstoreMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.bucketLabel = Objects.requireNonNull(bucketLabel, "bucketLabel");
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  ObjstoreMetrics metrics() {
    return metrics;
  }

  /** The wrapped backend. */
  public Bucket delegate() {
    return delegate;
  }

  @Override
  public InputStream get(String name) throws IOException {
    return call("get", name, policy.maxAttempts(), null, () -> delegate.get(name));
  }

  @Override
  public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    return call("get_range", name, policy.maxAttempts(), null,
        () -> delegate.getRange(name, offsetBytes, lengthBytes));
  }

  @Override
  public void upload(String name, InputStream content, long lengthBytes) throws IOException {
    int attempts = 1;
    Rewind rewind = null;
    if (content.markSupported() && policy.maxAttempts() > 1) {
      content.mark(lengthBytes >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) lengthBytes + 1);
      attempts = policy.maxAttempts();
      rewind = content::reset;
    }
    call("upload", name, attempts, rewind, () -> {
      delegate.upload(name, content, lengthBytes);
      return null;
    });
  }

  @Override
  public void upload(String name, byte[] content) throws IOException {
    call("upload", name, policy.maxAttempts(), null, () -> {
      delegate.upload(name, content);
      return null;
    });
  }

  @Override
  public void upload(String name, Path file) throws IOException {
    call("upload", name, policy.maxAttempts(), null, () -> {
      delegate.upload(name, file);
      return null;
    });
  }

  @Override
  public void delete(String name) throws IOException {
    call("delete", name, policy.maxAttempts(), null, () -> {
      delegate.delete(name);
      return null;
    });
  }

  @Override
  public boolean exists(String name) throws IOException {
    return call("exists", name, policy.maxAttempts(), null, () -> delegate.exists(name));
  }

  @Override
  public ObjectAttributes attributes(String name) throws IOException {
    return call("attributes", name, policy.maxAttempts(), null, () -> delegate.attributes(name));
  }

  @Override
  public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
    long[] delivered = {0};
    try {
      call("iter", dir, policy.maxAttempts(), null, () -> {
        long[] seen = {0};
        delegate.iter(dir, recursive, name -> {
          if (seen[0]++ < delivered[0]) {
            return; // passed on by an earlier attempt
          }
          try {
            names.accept(name);
          } catch (RuntimeException e) {
            throw new ConsumerFailure(e);
          }
          delivered[0]++;
        });
        return null;
      });
    } catch (ConsumerFailure e) {
      throw e.getCause();
    }
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return "RetryingBucket[" + bucketLabel + ", " + delegate + "]";
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  private interface Rewind {
    void rewind() throws IOException;
  }

  /** A runtime exception thrown by the caller's consumer: never retried, never counted. */
  private static final class ConsumerFailure extends RuntimeException {
    ConsumerFailure(RuntimeException cause) {
      super(cause);
    }

    @Override
    public synchronized RuntimeException getCause() {
      return (RuntimeException) super.getCause();
    }
  }

  private <T> T call(String operation, String name, int maxAttempts, Rewind rewind, IoCall<T> call)
      throws IOException {
    metrics.operations.labelValues(operation, bucketLabel).inc();
    long startNanos = System.nanoTime();
    try {
      for (int attempt = 1; ; attempt++) {
        Exception failure;
        try {
          return call.call();
        } catch (NoSuchObjectException | ConsumerFailure e) {
          throw e;
        } catch (IOException | UncheckedIOException e) {
          failure = e;
        } catch (RuntimeException e) {
          fail(operation);
          throw e;
        }
        if (!isRetryable(failure)) {
          fail(operation);
          if (failure instanceof IOException io) {
            throw io;
          }
          throw (UncheckedIOException) failure;
        }
        if (attempt >= maxAttempts) {
          fail(operation);
          String message = operation + " of \"" + name + "\" in bucket " + bucketLabel + " failed after "
              + attempt + (attempt == 1 ? " attempt" : " attempts")
              + (maxAttempts == 1 && policy.maxAttempts() > 1 ? " (stream not resettable)" : "")
              + ": " + failure.getMessage();
          throw new ObjectStoreException(message, failure, false);
        }
        metrics.retries.labelValues(operation, bucketLabel).inc();
        try {
          sleeper.sleep(policy.backoff(attempt));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail(operation);
          InterruptedIOException interrupted =
              new InterruptedIOException(operation + " of \"" + name + "\" interrupted while retrying");
          interrupted.initCause(failure);
          throw interrupted;
        }
        if (rewind != null) {
          try {
            rewind.rewind();
          } catch (IOException e) {
            fail(operation);
            e.addSuppressed(failure);
            throw new ObjectStoreException(
                operation + " of \"" + name + "\": cannot rewind the content to retry", e, false);
          }
        }
      }
    } finally {
      metrics.duration.labelValues(operation, bucketLabel)
          .observe((System.nanoTime() - startNanos) / 1e9);
    }
  }

  private void fail(String operation) {
    metrics.failures.labelValues(operation, bucketLabel).inc();
  }

  private static boolean isRetryable(Exception e) {
    if (e instanceof ObjectStoreException ose) {
      return ose.retryable();
    }
    return !(e instanceof InterruptedIOException);
  }
}
