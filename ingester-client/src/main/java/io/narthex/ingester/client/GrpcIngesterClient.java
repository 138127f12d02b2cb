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
    Iterator<SelectResponse> it =
        IngesterGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).select(request);
    List<SelectResponse> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) {
    return IngesterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .labelNames(request);
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) {
    return IngesterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .labelValues(request);
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
