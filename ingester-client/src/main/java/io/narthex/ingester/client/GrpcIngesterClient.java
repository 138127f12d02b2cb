package io.narthex.ingester.client;

import io.grpc.ManagedChannel;
import io.narthex.proto.ingester.IngesterGrpc;
import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import io.narthex.tsdb.storage.QueryDeadline;
import java.util.concurrent.TimeUnit;

/** {@link IngesterClient} over a gRPC channel, remote or in-process, with a deadline on every call. */
public final class GrpcIngesterClient implements IngesterClient {
  private final String address;
  private final ManagedChannel channel;
  private final Duration timeout;

  public GrpcIngesterClient(String address, ManagedChannel channel, Duration timeout) {
    this.address = address;
    this.channel = channel;
    this.timeout = timeout;
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public List<SelectResponse> select(SelectRequest request) {
    Iterator<SelectResponse> it = stub().select(request);
    List<SelectResponse> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) {
    return stub().labelNames(request);
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) {
    return stub().labelValues(request);
  }

  @Override
  public io.narthex.proto.ingester.MetricsMetadataResponse metricsMetadata(
      io.narthex.proto.ingester.MetricsMetadataRequest request) {
    return stub().metricsMetadata(request);
  }

  /** A stub whose deadline is the client's timeout or the current query's deadline, whichever comes first. */
  private IngesterGrpc.IngesterBlockingStub stub() {
    return IngesterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(QueryDeadline.remainingMs(timeout.toMillis(), "expanding series"), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
