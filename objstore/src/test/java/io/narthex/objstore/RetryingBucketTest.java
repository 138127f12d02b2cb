package io.narthex.objstore;

import static io.narthex.objstore.BucketContractTest.read;
import static io.narthex.objstore.BucketContractTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

class RetryingBucketTest {
  private static final RetryPolicy THREE_ATTEMPTS =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1));

  @TempDir Path root;
  private FlakyBucket flaky;
  private final List<Duration> sleeps = new ArrayList<>();
  private String label;
  private RetryingBucket bucket;

  @BeforeEach
  void setUp(TestInfo test) throws IOException {
    flaky = new FlakyBucket(new FilesystemBucket(root));
    label = "test-" + test.getTestMethod().orElseThrow().getName(); // own metric series per test
    bucket = new RetryingBucket(label, flaky, THREE_ATTEMPTS, sleeps::add,
        new ObjstoreMetrics(new PrometheusRegistry()));
  }

  private double failures(String op) {
    return bucket.metrics().failures.labelValues(op, label).get();
  }

  private double operations(String op) {
    return bucket.metrics().operations.labelValues(op, label).get();
  }

  private double retries(String op) {
    return bucket.metrics().retries.labelValues(op, label).get();
  }

  @Test
  void transientFailureIsRetriedWithGrowingBackoffAndSucceeds() throws Exception {
    bucket.upload("obj", utf8("content"));
    flaky.failNext(2, new IOException("connection reset"));

    assertThat(read(bucket.get("obj"))).isEqualTo("content");

    assertThat(flaky.calls("get")).isEqualTo(3);
    assertThat(sleeps).hasSize(2);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(operations("get")).isEqualTo(1);
    assertThat(retries("get")).isEqualTo(2);
    assertThat(failures("get")).isZero();
    assertThat(bucket.metrics().duration.collect().getDataPoints().stream()
            .filter(p -> label.equals(p.getLabels().get("bucket")) && "get".equals(p.getLabels().get("operation")))
            .mapToLong(p -> p.getCount()))
        .containsExactly(1L);
  }

  @Test
  void persistentFailureSurfacesAfterTheLastAttemptWithAClearMessageAndIsCounted() throws Exception {
    flaky.failNext(100, new ObjectStoreException("HTTP 503 SlowDown", true));

    assertThatThrownBy(() -> bucket.exists("obj"))
        .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessage("exists of \"obj\" in bucket " + label + " failed after 3 attempts: HTTP 503 SlowDown")
        .hasCauseInstanceOf(ObjectStoreException.class);

    assertThat(flaky.calls("exists")).isEqualTo(3);
    assertThat(failures("exists")).isEqualTo(1);
    assertThat(retries("exists")).isEqualTo(2);
  }

  @Test
  void permanentFailureIsNotRetriedButCounted() {
    ObjectStoreException denied = new ObjectStoreException("HTTP 403 AccessDenied", false);
    flaky.failNext(1, denied);

    assertThatThrownBy(() -> bucket.delete("obj")).isSameAs(denied);

    assertThat(flaky.calls("delete")).isEqualTo(1);
    assertThat(failures("delete")).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void missingObjectIsNeitherRetriedNorCountedAsAFailure() {
    assertThatThrownBy(() -> bucket.attributes("absent")).isInstanceOf(NoSuchObjectException.class);

    assertThat(flaky.calls("attributes")).isEqualTo(1);
    assertThat(failures("attributes")).isZero();
    assertThat(operations("attributes")).isEqualTo(1);
  }

  @Test
  void uploadFromAResettableStreamIsRetriedWithTheWholeContent() throws Exception {
    flaky.failUploadsAfterReading(1, 3);

    bucket.upload("obj", new ByteArrayInputStream(utf8("0123456789")), 10);

    assertThat(flaky.calls("upload")).isEqualTo(2);
    assertThat(read(bucket.get("obj"))).isEqualTo("0123456789");
  }

  @Test
  void uploadFromANonResettableStreamGetsOneAttempt() {
    flaky.failNext(1, new IOException("broken pipe"));
    InputStream once = new FilterInputStream(new ByteArrayInputStream(utf8("x"))) {
      @Override
      public boolean markSupported() {
        return false;
      }
    };

    assertThatThrownBy(() -> bucket.upload("obj", once, 1))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("failed after 1 attempt (stream not resettable): broken pipe");
    assertThat(flaky.calls("upload")).isEqualTo(1);
    assertThat(failures("upload")).isEqualTo(1);
  }

  @Test
  void retriedListingDoesNotRepeatNames() throws Exception {
    for (String name : new String[] {"d/1", "d/2", "d/3"}) {
      bucket.upload(name, utf8("x"));
    }
    flaky.failIterAfter(2);
    List<String> names = new ArrayList<>();

    bucket.iter("d", false, names::add);

    assertThat(names).containsExactly("d/1", "d/2", "d/3");
    assertThat(flaky.calls("iter")).isEqualTo(2);
  }

  @Test
  void consumerExceptionsPassThroughUntouched() throws Exception {
    bucket.upload("d/1", utf8("x"));
    IllegalStateException stop = new IllegalStateException("stop");

    assertThatThrownBy(() -> bucket.iter("d", false, n -> { throw stop; })).isSameAs(stop);
    assertThat(flaky.calls("iter")).isEqualTo(1);
    assertThat(failures("iter")).isZero();
  }

  @Test
  void backoffDoublesUpToTheCap() {
    RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(350));

    assertThat(policy.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(policy.backoff(2)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(policy.backoff(3)).isBetween(Duration.ofMillis(175), Duration.ofMillis(350));
    assertThat(policy.backoff(9)).isBetween(Duration.ofMillis(175), Duration.ofMillis(350));
    assertThat(RetryPolicy.withMaxRetries(10).maxAttempts()).isEqualTo(11);
  }

  /** A bucket that fails on demand before passing calls to a real one. */
  static final class FlakyBucket implements Bucket {
    private final Bucket real;
    private final java.util.Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
    private int failuresLeft;
    private IOException failure;
    private int uploadFailuresLeft;
    private int uploadBytesBeforeFailure;
    private int iterFailAfter = -1;

    FlakyBucket(Bucket real) {
      this.real = real;
    }

    void failNext(int times, IOException e) {
      failuresLeft = times;
      failure = e;
    }

    void failUploadsAfterReading(int times, int bytes) {
      uploadFailuresLeft = times;
      uploadBytesBeforeFailure = bytes;
    }

    void failIterAfter(int names) {
      iterFailAfter = names;
    }

    int calls(String op) {
      return calls.getOrDefault(op, new AtomicInteger()).get();
    }

    private void enter(String op) throws IOException {
      calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
      if (failuresLeft > 0) {
        failuresLeft--;
        throw failure;
      }
    }

    @Override
    public InputStream get(String name) throws IOException {
      enter("get");
      return real.get(name);
    }

    @Override
    public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
      enter("get_range");
      return real.getRange(name, offsetBytes, lengthBytes);
    }

    @Override
    public void upload(String name, InputStream content, long lengthBytes) throws IOException {
      enter("upload");
      if (uploadFailuresLeft > 0) {
        uploadFailuresLeft--;
        content.readNBytes(uploadBytesBeforeFailure);
        throw new IOException("connection reset mid-upload");
      }
      real.upload(name, content, lengthBytes);
    }

    @Override
    public void delete(String name) throws IOException {
      enter("delete");
      real.delete(name);
    }

    @Override
    public boolean exists(String name) throws IOException {
      enter("exists");
      return real.exists(name);
    }

    @Override
    public ObjectAttributes attributes(String name) throws IOException {
      enter("attributes");
      return real.attributes(name);
    }

    @Override
    public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
      enter("iter");
      int failAfter = iterFailAfter;
      iterFailAfter = -1;
      List<String> all = real.list(dir, recursive);
      for (int i = 0; i < all.size(); i++) {
        if (i == failAfter) {
          throw new IOException("listing interrupted");
        }
        names.accept(all.get(i));
      }
    }

    @Override
    public void close() throws IOException {
      real.close();
    }
  }
}
