package io.narthex.objstore;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Path;

/** Builds the configured backends, each wrapped in a {@link RetryingBucket} with metrics. */
public final class Buckets {
  private Buckets() {}

  /**
   * A filesystem bucket under {@code root} (Mimir: {@code blocks_storage.filesystem.dir}; default
   * {@link FilesystemBucket#DEFAULT_ROOT}) with {@link RetryPolicy#DEFAULT}.
   *
   * @param bucketLabel the metrics' {@code bucket} label, such as "blocks"
   */
  public static Bucket filesystem(String bucketLabel, Path root) throws IOException {
    return filesystem(bucketLabel, root, new ObjstoreMetrics(new PrometheusRegistry()));
  }

  /** As {@link #filesystem(String, Path)}, counting into {@code metrics}, the process's. */
  public static Bucket filesystem(String bucketLabel, Path root, ObjstoreMetrics metrics) throws IOException {
    return new RetryingBucket(bucketLabel, new FilesystemBucket(root), RetryPolicy.DEFAULT, metrics);
  }

  /**
   * An S3 bucket with {@link S3Config#maxRetries()} retries.
   *
   * @param bucketLabel the metrics' {@code bucket} label, such as "blocks"
   */
  public static Bucket s3(String bucketLabel, S3Config config) {
    return s3(bucketLabel, config, new ObjstoreMetrics(new PrometheusRegistry()));
  }

  /** As {@link #s3(String, S3Config)}, counting into {@code metrics}, the process's. */
  public static Bucket s3(String bucketLabel, S3Config config, ObjstoreMetrics metrics) {
    return new RetryingBucket(bucketLabel, new S3Bucket(config), RetryPolicy.withMaxRetries(config.maxRetries()),
        metrics);
  }
}
