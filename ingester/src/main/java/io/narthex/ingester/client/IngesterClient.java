package io.narthex.ingester.client;

import io.narthex.proto.ingester.LabelNamesRequest;
import io.narthex.proto.ingester.LabelNamesResponse;
import io.narthex.proto.ingester.LabelValuesRequest;
import io.narthex.proto.ingester.LabelValuesResponse;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SelectRequest;
import io.narthex.proto.ingester.SelectResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One shard of ingesters as the distributor and querier see it. Today a single ingester over gRPC; a Raft group of
 * replicas will stand behind the same interface.
 *
 * <p>Failures surface as {@link io.grpc.StatusRuntimeException} (or complete the future exceptionally with one):
 * the shard is unavailable, a server-side fault.
 */
public interface IngesterClient extends AutoCloseable {
  /** Human-readable address, for logs and errors. */
  String address();

  CompletableFuture<PushResponse> push(PushRequest request);

  /** All batches of the streamed answer. */
  List<SelectResponse> select(SelectRequest request);

  LabelNamesResponse labelNames(LabelNamesRequest request);

  LabelValuesResponse labelValues(LabelValuesRequest request);

  @Override
  void close();
}
