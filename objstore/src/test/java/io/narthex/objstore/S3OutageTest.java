package io.narthex.objstore;

import static io.narthex.objstore.BucketContractTest.read;
import static io.narthex.objstore.BucketContractTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries against a real S3 server that goes away: s3proxy stopped, and started again. */
class S3OutageTest {
  private LocalS3Server server;

  @BeforeEach
  void start() throws Exception {
    server = new LocalS3Server();
    server.createBucket("blocks");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void callsDuringAShortOutageSucceedOnceTheServerIsBack() throws Exception {
    // About 12 s of retries: s3proxy restarts 500 ms in, but a loaded CI can take seconds to bind it again.
    RetryPolicy patient = new RetryPolicy(20, Duration.ofMillis(100), Duration.ofSeconds(1));
    try (Bucket bucket = new RetryingBucket("outage-short", new S3Bucket(server.httpConfig("blocks", 0)), patient)) {
      bucket.upload("before", utf8("stored before the outage"));
      server.stop();
      CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
        try {
          server.restart();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS));

      bucket.upload("during", utf8("written during the outage"));

      restart.get(10, TimeUnit.SECONDS);
      assertThat(read(bucket.get("during"))).isEqualTo("written during the outage");
      assertThat(read(bucket.get("before"))).isEqualTo("stored before the outage");
      assertThat(((RetryingBucket) bucket).metrics().retries.labelValues("upload", "outage-short").get()).isPositive();
      assertThat(((RetryingBucket) bucket).metrics().failures.labelValues("upload", "outage-short").get()).isZero();
    }
  }

  @Test
  void persistentOutageFailsAfterMaxRetriesWithACountedFailure() throws Exception {
    try (Bucket bucket = Buckets.s3("outage-long", server.httpConfig("blocks", 2))) {
      server.stop();

      assertThatThrownBy(() -> bucket.exists("obj"))
          .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageStartingWith("exists of \"obj\" in bucket outage-long failed after 3 attempts: ")
          .hasMessageContaining("127.0.0.1:" + server.httpPort())
          .cause().isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
      assertThat(((RetryingBucket) bucket).metrics().failures.labelValues("exists", "outage-long").get()).isEqualTo(1);
      assertThat(((RetryingBucket) bucket).metrics().retries.labelValues("exists", "outage-long").get()).isEqualTo(2);
      server.restart(); // so that stop() in tearDown has something to stop
    }
  }
}
