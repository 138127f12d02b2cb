package io.narthex.objstore;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the S3 backend ({@link S3Bucket}). Works with AWS S3, MinIO and other S3-compatible
 * stores. Mimir's YAML names ({@code blocks_storage.s3.*}) map as follows:
 *
 * <ul>
 *   <li>{@code endpoint}: {@code endpoint}, {@code host[:port]} as in Mimir, or a full URL with
 *       scheme; empty means AWS's regional endpoint.
 *   <li>{@code region}: {@code region}; empty means {@code us-east-1} (also what MinIO expects).
 *   <li>{@code bucketName}: {@code bucket_name}; required.
 *   <li>{@code accessKeyId}, {@code secretAccessKey}: {@code access_key_id}, {@code
 *       secret_access_key}; both empty means the AWS default credential chain (environment, system
 *       properties, profile, container or instance role).
 *   <li>{@code forcePathStyle}: {@code bucket_lookup_type: path} (true) versus {@code auto} or
 *       {@code virtual-hosted} (false); MinIO and most self-hosted stores need path style.
 *   <li>{@code insecure}: {@code insecure}: plain HTTP instead of HTTPS for an endpoint without
 *       scheme.
 *   <li>{@code insecureSkipVerify}: {@code http.insecure_skip_verify}: accept any TLS certificate
 *       and host name (self-signed test setups only).
 *   <li>{@code timeout}: connect and socket-read timeout of each HTTP call (Mimir's {@code
 *       http.response_header_timeout} is the closest); positive.
 *   <li>{@code maxRetries}: {@code max_retries}: attempts after the first one for a transient
 *       failure, done by {@link RetryingBucket} (the SDK's own retries are off); zero or more.
 * </ul>
 */
public record S3Config(
    String endpoint,
    String region,
    String bucketName,
    String accessKeyId,
    String secretAccessKey,
    boolean forcePathStyle,
    boolean insecure,
    boolean insecureSkipVerify,
    Duration timeout,
    int maxRetries) {

  /** Mimir's default for {@code max_retries}. */
  public static final int DEFAULT_MAX_RETRIES = 10;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public S3Config {
    endpoint = endpoint == null ? "" : endpoint.strip();
    region = region == null || region.isBlank() ? "us-east-1" : region.strip();
    accessKeyId = accessKeyId == null ? "" : accessKeyId;
    secretAccessKey = secretAccessKey == null ? "" : secretAccessKey;
    if (bucketName == null || bucketName.isBlank()) {
      throw new IllegalArgumentException("blocks_storage.s3.bucket_name must be set");
    }
    if (accessKeyId.isEmpty() != secretAccessKey.isEmpty()) {
      throw new IllegalArgumentException(
          "blocks_storage.s3.access_key_id and secret_access_key must be set together");
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
  }

  /** The settings without {@code insecureSkipVerify} (false). */
  public S3Config(
      String endpoint,
      String region,
      String bucketName,
      String accessKeyId,
      String secretAccessKey,
      boolean forcePathStyle,
      boolean insecure,
      Duration timeout,
      int maxRetries) {
    this(endpoint, region, bucketName, accessKeyId, secretAccessKey, forcePathStyle, insecure, false,
        timeout, maxRetries);
  }

  /**
   * The endpoint as a URI, or null for AWS's default. {@code host[:port]} gets {@code http://} when
   * {@link #insecure()}, else {@code https://}.
   */
  public URI endpointUri() {
    if (endpoint.isEmpty()) {
      return null;
    }
    String withScheme = endpoint.contains("://") ? endpoint : (insecure ? "http://" : "https://") + endpoint;
    return URI.create(withScheme);
  }

  /** Whether static credentials are configured (else the default credential chain is used). */
  public boolean hasStaticCredentials() {
    return !accessKeyId.isEmpty();
  }

  @Override
  public String toString() {
    return "S3Config[endpoint=" + endpoint + ", region=" + region + ", bucketName=" + bucketName
        + ", accessKeyId=" + accessKeyId + ", secretAccessKey=" + (secretAccessKey.isEmpty() ? "" : "<redacted>")
        + ", forcePathStyle=" + forcePathStyle + ", insecure=" + insecure
        + ", insecureSkipVerify=" + insecureSkipVerify + ", timeout=" + timeout
        + ", maxRetries=" + maxRetries + "]";
  }
}
