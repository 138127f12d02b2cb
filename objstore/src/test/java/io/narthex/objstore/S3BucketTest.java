package io.narthex.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract against a real S3 server: s3proxy in-process on loopback. */
class S3BucketTest extends BucketContractTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  @RegisterExtension static final LocalS3ServerExtension S3 = new LocalS3ServerExtension();

  @Override
  Bucket openBucket() {
    String name = "contract-" + BUCKETS.incrementAndGet();
    S3.server().createBucket(name);
    return new S3Bucket(S3.server().config(name, 0));
  }

  @Test
  void plainHttpEndpointServesObjectsThroughTheRetryingBucket() throws Exception {
    S3.server().createBucket("contract-http");
    try (Bucket http = Buckets.s3("contract-http", S3.server().httpConfig("contract-http", 3))) {
      for (int i = 0; i < 5; i++) {
        http.upload("http/" + i, utf8("object " + i));
      }

      assertThat(http.list("http/")).containsExactly("http/0", "http/1", "http/2", "http/3", "http/4");
      assertThat(read(http.get("http/3"))).isEqualTo("object 3");
      assertThat(((RetryingBucket) http).metrics().failures.labelValues("upload", "contract-http").get()).isZero();
    }
  }

  @Test
  void missingBucketIsAPermanentErrorNamingTheBucket() throws Exception {
    try (Bucket missing = new S3Bucket(S3.server().config("no-such-bucket", 0))) {
      assertThatThrownBy(() -> missing.upload("obj", utf8("x")))
          .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
          .isNotInstanceOf(NoSuchObjectException.class)
          .hasMessageContaining("no-such-bucket")
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> missing.list(""))
          .isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("does not exist");
    }
  }

  @Test
  void wrongCredentialsAreAPermanentError() throws Exception {
    S3Config good = S3.server().config("contract-auth", 0);
    S3.server().createBucket("contract-auth");
    S3Config wrong = new S3Config(good.endpoint(), good.region(), good.bucketName(), good.accessKeyId(),
        "not-the-secret", true, false, true, Duration.ofSeconds(5), 0);
    RetryPolicy quick = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1));
    try (Bucket bad = new S3Bucket(wrong);
        Bucket retrying = new RetryingBucket("contract-auth", new S3Bucket(wrong), quick)) {
      assertThatThrownBy(() -> bad.exists("obj"))
          .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("HTTP 403");
      // An upload may first see the server close the connection early (an I/O error, retried);
      // the 403 then surfaces as it is, without further attempts.
      assertThatThrownBy(() -> retrying.upload("obj", utf8("x")))
          .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("HTTP 403 SignatureDoesNotMatch");
    }
  }

  @Test
  void endpointWithoutSchemeUsesHttpWhenInsecureAndHttpsOtherwise() {
    S3Config insecure = S3.server().httpConfig("b", 0);
    S3Config secure = new S3Config("minio:9000", "", "b", "", "", true, false, Duration.ofSeconds(1), 0);
    S3Config aws = new S3Config("", "eu-west-1", "b", "", "", false, false, Duration.ofSeconds(1), 0);

    assertThat(insecure.endpointUri().toString()).isEqualTo("http://127.0.0.1:" + S3.server().httpPort());
    assertThat(secure.endpointUri().toString()).isEqualTo("https://minio:9000");
    assertThat(secure.region()).isEqualTo("us-east-1");
    assertThat(aws.endpointUri()).isNull();
    assertThat(aws.toString()).doesNotContain("narthex-secret");
    assertThat(S3.server().config("b", 0).toString()).contains("<redacted>").doesNotContain(LocalS3Server.SECRET_KEY);
  }

  @Test
  void configRejectsHalfCredentialsAndMissingBucketName() {
    assertThatThrownBy(() -> new S3Config("", "", "b", "key", "", false, false, Duration.ofSeconds(1), 0))
        .hasMessageContaining("access_key_id");
    assertThatThrownBy(() -> new S3Config("", "", " ", "", "", false, false, Duration.ofSeconds(1), 0))
        .hasMessageContaining("bucket_name");
  }
}
