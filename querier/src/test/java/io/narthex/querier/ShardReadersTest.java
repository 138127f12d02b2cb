package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.proto.ingester.IngesterGrpc;
import io.narthex.proto.ingester.MetricsMetadataRequest;
import io.narthex.proto.ingester.MetricsMetadataResponse;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a replica's call that runs out of time ends a read: the query's deadline or the client's own cap. */
class ShardReadersTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private io.grpc.Server ingester;
  private String name;

  /** An ingester whose answers never come before the test ends. */
  private final class StalledIngester extends IngesterGrpc.IngesterImplBase {
    @Override
    public void metricsMetadata(MetricsMetadataRequest request, StreamObserver<MetricsMetadataResponse> observer) {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      observer.onNext(MetricsMetadataResponse.getDefaultInstance());
      observer.onCompleted();
    }
  }

  @BeforeEach
  void start() throws Exception {
    name = InProcessServerBuilder.generateName();
    ingester = InProcessServerBuilder.forName(name).addService(new StalledIngester()).build().start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    ingester.shutdownNow();
  }

  private ShardReaders readers(Duration clientTimeout, int replicas) {
    List<IngesterClient> clients = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      clients.add(new GrpcIngesterClient("stalled-" + i, InProcessChannelBuilder.forName(name).build(), clientTimeout));
    }
    return new ShardReaders(List.of(clients));
  }

  private static MetricsMetadataResponse read(ShardReaders readers) {
    return readers.read(0, c -> c.metricsMetadata(MetricsMetadataRequest.newBuilder().setTenant("t").build()),
        MetricsMetadataResponse::getReplica, new ArrayList<>());
  }

  @Test
  void aCallThatRunsOutOfTheQueryDeadlineIsAQueryTimeout() {
    // Prometheus answers 503 "query timed out in expanding series" when a select outlives the query's context.
    // One replica, as in single-process mode: no next replica's call notices the passed deadline first.
    try (ShardReaders readers = readers(Duration.ofSeconds(10), 1)) {
      assertThatThrownBy(() -> QueryDeadline.call(System.nanoTime() + 50_000_000L, () -> read(readers)))
          .isExactlyInstanceOf(QueryDeadline.QueryTimeoutException.class)
          .hasMessage("query timed out in expanding series");
    }
  }

  @Test
  void aCallThatRunsOutOfTheClientTimeoutIsAStorageFailure() {
    try (ShardReaders readers = readers(Duration.ofMillis(50), 1)) {
      assertThatThrownBy(() -> QueryDeadline.call(System.nanoTime() + 60_000_000_000L, () -> read(readers)))
          .isExactlyInstanceOf(StorageException.class)
          .hasMessageContaining("no replica of shard 0 answered")
          .hasMessageContaining("DEADLINE_EXCEEDED");
      assertThatThrownBy(() -> read(readers)).isExactlyInstanceOf(StorageException.class);
    }
  }
}
