package io.narthex.objstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * A bucket in S3 or an S3-compatible store (MinIO, Ceph RGW, s3proxy...), through the AWS SDK v2
 * synchronous client over {@link UrlConnectionHttpClient} (no Apache or Netty client). See {@link
 * S3Config} for the settings and their Mimir names.
 *
 * <p>The SDK's own retries are off, so that {@link RetryingBucket} alone decides (with {@link
 * S3Config#maxRetries()}). Request checksums are sent only where S3 requires them, which keeps
 * stores that predate the SDK's default CRC trailers working. Uploads are single PUTs (at most 5
 * GiB per object on AWS). Errors: 404 is {@link NoSuchObjectException}; 5xx, 408, 429, throttling
 * codes and I/O errors are retryable {@link ObjectStoreException}s; other 4xx are not.
 *
 * <p>Over plain HTTP ({@code insecure}) the SDK signs uploads as aws-chunked streams. A store that
 * then closes the kept-alive connection (s3proxy does, at random) makes the next upload on it fail
 * with "Error writing request body to server"; that is a retryable I/O error, which {@link
 * RetryingBucket} absorbs for byte[], Path and resettable-stream uploads. HTTPS avoids it.
 */
public final class S3Bucket implements Bucket {
  private static final Set<String> THROTTLING_CODES =
      Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
          "TooManyRequestsException", "RequestThrottled", "RequestTimeout", "InternalError",
          "ServiceUnavailable");

  private final S3Config config;
  private final S3Client s3;
  private final String bucketName;

  /** Builds the SDK client; no call is made until the first operation. */
  public S3Bucket(S3Config config) {
    this.config = config;
    this.bucketName = config.bucketName();
    this.s3 = newClient(config);
  }

  static S3Client newClient(S3Config config) {
    AttributeMap.Builder httpDefaults = AttributeMap.builder();
    if (config.insecureSkipVerify()) {
      httpDefaults.put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true);
    }
    SdkHttpClient http = UrlConnectionHttpClient.builder()
        .connectionTimeout(config.timeout())
        .socketTimeout(config.timeout())
        .buildWithDefaults(httpDefaults.build());
    AwsCredentialsProvider credentials = config.hasStaticCredentials()
        ? StaticCredentialsProvider.create(
            AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()))
        : DefaultCredentialsProvider.builder().build();
    S3ClientBuilder builder = S3Client.builder()
        .httpClient(http)
        .region(Region.of(config.region()))
        .credentialsProvider(credentials)
        .forcePathStyle(config.forcePathStyle())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(o -> o
            .retryStrategy(AwsRetryStrategy.doNotRetry())
            .addExecutionInterceptor(new NoExpectContinue()));
    URI endpoint = config.endpointUri();
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder.build();
  }

  /**
   * Drops the {@code Expect: 100-continue} header the SDK adds to uploads: HttpURLConnection handles
   * it badly (it fails uploads with "Error writing request body to server" when the server answers
   * early or a kept-alive connection is reused).
   */
  static final class NoExpectContinue implements ExecutionInterceptor {
    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      SdkHttpRequest request = context.httpRequest();
      return request.firstMatchingHeader("Expect").isPresent()
          ? request.toBuilder().removeHeader("Expect").build()
          : request;
    }
  }

  /** The settings this bucket was built from. */
  public S3Config config() {
    return config;
  }

  @Override
  public InputStream get(String name) throws IOException {
    ObjectNames.checkName(name);
    try {
      return s3.getObject(GetObjectRequest.builder().bucket(bucketName).key(name).build());
    } catch (SdkException e) {
      throw translate("get", name, e, true);
    }
  }

  @Override
  public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
    ObjectNames.checkName(name);
    ObjectNames.checkRange(offsetBytes, lengthBytes);
    if (lengthBytes == 0) {
      attributes(name); // a missing object still fails
      return InputStream.nullInputStream();
    }
    long lastByte = offsetBytes + lengthBytes - 1;
    String range = lastByte < offsetBytes // overflow: to the end
        ? "bytes=" + offsetBytes + "-"
        : "bytes=" + offsetBytes + "-" + lastByte;
    try {
      return s3.getObject(GetObjectRequest.builder().bucket(bucketName).key(name).range(range).build());
    } catch (S3Exception e) {
      if (e.statusCode() == 416) { // offset at or past the end
        return InputStream.nullInputStream();
      }
      throw translate("get_range", name, e, true);
    } catch (SdkException e) {
      throw translate("get_range", name, e, true);
    }
  }

  @Override
  public void upload(String name, InputStream content, long lengthBytes) throws IOException {
    put(name, lengthBytes, RequestBody.fromInputStream(content, lengthBytes));
  }

  @Override
  public void upload(String name, byte[] content) throws IOException {
    put(name, content.length, RequestBody.fromBytes(content));
  }

  @Override
  public void upload(String name, Path file) throws IOException {
    put(name, java.nio.file.Files.size(file), RequestBody.fromFile(file));
  }

  private void put(String name, long lengthBytes, RequestBody body) throws IOException {
    ObjectNames.checkName(name);
    if (lengthBytes < 0) {
      throw new IllegalArgumentException("lengthBytes must be >= 0, got " + lengthBytes);
    }
    try {
      s3.putObject(
          PutObjectRequest.builder().bucket(bucketName).key(name).contentLength(lengthBytes).build(),
          body);
    } catch (SdkException e) {
      throw translate("upload", name, e, false);
    }
  }

  @Override
  public void delete(String name) throws IOException {
    ObjectNames.checkName(name);
    try {
      s3.deleteObject(b -> b.bucket(bucketName).key(name));
    } catch (SdkException e) {
      IOException translated = translate("delete", name, e, true);
      if (!(translated instanceof NoSuchObjectException)) {
        throw translated;
      }
    }
  }

  @Override
  public boolean exists(String name) throws IOException {
    try {
      head(name);
      return true;
    } catch (NoSuchObjectException e) {
      return false;
    }
  }

  @Override
  public ObjectAttributes attributes(String name) throws IOException {
    HeadObjectResponse head = head(name);
    return new ObjectAttributes(head.contentLength(), head.lastModified());
  }

  private HeadObjectResponse head(String name) throws IOException {
    ObjectNames.checkName(name);
    try {
      return s3.headObject(b -> b.bucket(bucketName).key(name));
    } catch (SdkException e) {
      throw translate("attributes", name, e, true);
    }
  }

  @Override
  public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
    String prefix = ObjectNames.dirPrefix(dir);
    String continuationToken = null;
    do {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder().bucket(bucketName).prefix(prefix).continuationToken(continuationToken);
      if (!recursive) {
        request.delimiter(ObjectNames.DELIMITER);
      }
      ListObjectsV2Response page;
      try {
        page = s3.listObjectsV2(request.build());
      } catch (SdkException e) {
        throw translate("iter", prefix, e, false);
      }
      // Keys and common prefixes each come sorted; merge them so the page stays in key order.
      List<String> entries = new ArrayList<>(page.contents().size() + page.commonPrefixes().size());
      for (S3Object object : page.contents()) {
        if (!object.key().endsWith("/")) { // directory markers made by other tools are not objects
          entries.add(object.key());
        }
      }
      for (CommonPrefix common : page.commonPrefixes()) {
        entries.add(common.prefix());
      }
      entries.sort(null);
      entries.forEach(names);
      continuationToken = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (continuationToken != null);
  }

  /**
   * Maps an SDK failure to the bucket's exception types.
   *
   * @param notFoundIsObject whether a 404 without error code means the object is missing (true for
   *     object calls; a listing's 404 is a missing bucket)
   */
  IOException translate(String operation, String name, SdkException e, boolean notFoundIsObject) {
    String where = operation + " of \"" + name + "\" in s3 bucket " + bucketName
        + (config.endpoint().isEmpty() ? "" : " at " + config.endpoint());
    if (e instanceof S3Exception s3e) {
      int status = s3e.statusCode();
      String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
      if ("NoSuchBucket".equals(code)) {
        return new ObjectStoreException(where + ": the bucket does not exist", e, false);
      }
      if ("NoSuchKey".equals(code) || (status == 404 && code == null && notFoundIsObject)) {
        return new NoSuchObjectException(name, e);
      }
      boolean retryable =
          status >= 500 || status == 408 || status == 429 || (code != null && THROTTLING_CODES.contains(code));
      return new ObjectStoreException(
          where + ": HTTP " + status + (code == null ? "" : " " + code) + ": " + s3e.getMessage(),
          e, retryable);
    }
    boolean retryable = e.retryable() || (e instanceof SdkClientException && causedByIo(e));
    return new ObjectStoreException(where + ": " + e.getMessage(), e, retryable);
  }

  private static boolean causedByIo(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof java.io.UncheckedIOException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return "S3Bucket[" + (config.endpoint().isEmpty() ? "aws" : config.endpoint()) + "/" + bucketName + "]";
  }
}
